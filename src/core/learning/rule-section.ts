import { OrchError } from '../errors.ts';

/**
 * The orch-managed block in a rule file (CLAUDE.md, AGENTS.md, .claude/rules/*.md). Everything
 * outside the markers is the user's and is never rewritten; inside, each entry carries its stable id
 * in an HTML comment (invisible when rendered), so applying the same learning again adds nothing.
 */
export const BEGIN = '<!-- orch:begin learnings -->';
export const END = '<!-- orch:end learnings -->';
const ID_MARK = /<!-- orch:id ((?:L|R)-[0-9a-f]{10}) -->/g;

export interface RuleEntry {
  id: string;
  title: string;
  rule: string;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
/** Markers inside entry text would confuse the next parse. */
const safe = (s: string): string => oneLine(s).replace(/<!--|-->/g, '');

export const entryLine = (e: RuleEntry): string => `- **${safe(e.title)}**: ${safe(e.rule)} <!-- orch:id ${e.id} -->`;

export interface MergeResult {
  text: string;
  added: string[];
  present: string[];
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Ids already in the managed block of `text` (none when there is no block). */
export function presentIds(text: string, file = 'rule file'): string[] {
  const span = sectionSpan(text, file);
  if (!span) return [];
  return [...text.slice(span.start, span.end).matchAll(ID_MARK)].map((m) => m[1]!);
}

function sectionSpan(text: string, file: string): { start: number; end: number } | null {
  const b = count(text, BEGIN);
  const e = count(text, END);
  if (b === 0 && e === 0) return null;
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (b !== 1 || e !== 1 || end < start) {
    throw new OrchError('config_invalid', `${file}: the orch learnings block is damaged (${b} begin and ${e} end markers)`, {
      hint: `keep exactly one "${BEGIN}" followed by one "${END}", or delete both and apply again`,
    });
  }
  return { start, end };
}

/** Add the entries not yet in the block; create the block at the end when the file has none. */
export function mergeSection(text: string, entries: readonly RuleEntry[], file = 'rule file'): MergeResult {
  const span = sectionSpan(text, file);
  const present = span ? [...text.slice(span.start, span.end).matchAll(ID_MARK)].map((m) => m[1]!) : [];
  const seen = new Set(present);
  const fresh = entries.filter((e) => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    return true;
  });
  if (fresh.length === 0) return { text, added: [], present };
  const lines = fresh.map(entryLine).join('\n') + '\n';
  if (span) {
    // Insert just before the end marker, at the start of its line.
    const lineStart = text.lastIndexOf('\n', span.end - 1) + 1;
    const before = text.slice(0, lineStart);
    const glue = before.endsWith('\n') || before === '' ? '' : '\n';
    return { text: before + glue + lines + text.slice(lineStart), added: fresh.map((e) => e.id), present };
  }
  const block = `${BEGIN}\n## Learnings recorded by orch\n\nAdded by \`orch reflect apply\` and \`orch postmortem apply\` from recorded runs; edit outside this block.\n\n${lines}${END}\n`;
  const sep = text === '' ? '' : text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  return { text: text + sep + block, added: fresh.map((e) => e.id), present };
}
