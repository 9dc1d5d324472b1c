/**
 * The hallucination guard (pure): a finding counts only when its quote is text of the diff, in the
 * file it names. Whitespace runs are collapsed so re-indented quotes still match; nothing else is fuzzy.
 */

export interface DiffFile {
  path: string;
  /** Added and context lines (the code as it is now). */
  after: string[];
  /** Removed and context lines (the code as it was). */
  before: string[];
}

const unquote = (p: string): string => (p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1) : p);

/** Files and hunk lines of a `git diff` (unified, no colour). */
export function parseDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let cur: DiffFile | null = null;
  let inHunk = false;
  let oldPath: string | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      cur = null;
      inHunk = false;
      oldPath = null;
      // Until ---/+++ say otherwise (binary or mode-only changes have none), take the b/ side.
      const m = /^diff --git "?a\/(.*?)"? "?b\/(.*?)"?$/.exec(line);
      if (m?.[2]) {
        cur = { path: m[2], after: [], before: [] };
        files.push(cur);
      }
      continue;
    }
    if (!cur) continue;
    if (!inHunk && line.startsWith('--- ')) {
      const p = unquote(line.slice(4));
      oldPath = p.startsWith('a/') ? p.slice(2) : null;
      continue;
    }
    if (!inHunk && line.startsWith('+++ ')) {
      const p = unquote(line.slice(4));
      if (p.startsWith('b/')) cur.path = p.slice(2);
      else if (oldPath) cur.path = oldPath; // deleted file
      continue;
    }
    if (line.startsWith('@@')) {
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    const body = line.slice(1);
    if (line.startsWith('+')) cur.after.push(body);
    else if (line.startsWith('-')) cur.before.push(body);
    else if (line.startsWith(' ')) {
      cur.after.push(body);
      cur.before.push(body);
    }
  }
  return files;
}

export const normalizeLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Normalised text of lines, one line per line (line numbers are kept). */
export const normalizeText = (lines: readonly string[]): string => lines.map(normalizeLine).join('\n');

/** Candidate forms of a quote: as given, and without diff markers a model may have copied along. */
export function quoteForms(quote: string): string[] {
  const lines = quote.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && normalizeLine(lines[0] ?? '') === '') lines.shift();
  while (lines.length > 0 && normalizeLine(lines.at(-1) ?? '') === '') lines.pop();
  const raw = normalizeText(lines);
  const stripped = normalizeText(lines.map((l) => (/^[+\- ]/.test(l) ? l.slice(1) : l)));
  // A quote of one or two characters (`}`, `a`) matches anything: it cannot be verified.
  return [...new Set([raw, stripped])].filter((q) => q.replace(/\s/g, '').length >= 3);
}

const cleanPath = (p: string): string => p.trim().replace(/^\.\//, '').replace(/^[ab]\//, '').replace(/^\/+/, '');

/** The diff file a finding names: exact, else the one whose path ends with the named one (or vice versa). */
export function fileOf(files: readonly DiffFile[], named: string): DiffFile | null {
  const want = cleanPath(named);
  const exact = files.find((f) => f.path === want);
  if (exact) return exact;
  const bySuffix = files.filter((f) => f.path.endsWith(`/${want}`) || want.endsWith(`/${f.path}`));
  return bySuffix.length === 1 ? (bySuffix[0] ?? null) : null;
}

export interface QuoteCheck {
  ok: boolean;
  /** The diff file's real path when the quote was found. */
  path: string | null;
  /** The normalised quote that matched (used later to find the lines again). */
  quote: string | null;
  /** Found on the new side (still in the code) rather than only among removed lines. */
  current: boolean;
}

/** Is the quote text of the named file's diff? */
export function checkQuote(files: readonly DiffFile[], file: string, quote: string): QuoteCheck {
  const f = fileOf(files, file);
  if (!f) return { ok: false, path: null, quote: null, current: false };
  const after = normalizeText(f.after);
  const before = normalizeText(f.before);
  for (const q of quoteForms(quote)) {
    if (after.includes(q)) return { ok: true, path: f.path, quote: q, current: true };
    if (before.includes(q)) return { ok: true, path: f.path, quote: q, current: false };
  }
  return { ok: false, path: f.path, quote: null, current: false };
}

/** Occurrences of a normalised quote in a file's content, and the line of the one nearest `hintLine`. */
export function locate(content: string | null, quote: string, hintLine = 0): { occurrences: number; line: number | null } {
  if (content === null || quote === '') return { occurrences: 0, line: null };
  const text = normalizeText(content.replace(/\r\n?/g, '\n').split('\n'));
  let occurrences = 0;
  let best: number | null = null;
  for (let i = text.indexOf(quote); i !== -1; i = text.indexOf(quote, i + quote.length)) {
    occurrences++;
    const line = text.slice(0, i).split('\n').length;
    if (best === null || Math.abs(line - hintLine) < Math.abs(best - hintLine)) best = line;
  }
  return { occurrences, line: best };
}

/** Cut a diff at a line boundary when it is too long for a prompt. */
export function capDiff(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const cut = text.lastIndexOf('\n', maxChars);
  return { text: text.slice(0, cut > 0 ? cut : maxChars), truncated: true };
}
