import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { Entry } from '../../schema/context.ts';
import type { BudgetStatus } from '../budget.ts';
import { isoUtc, oneLine } from './payload.ts';
import type { BriefFacts, DidntWork } from './types.ts';

export const DEFAULT_BRIEF_BYTES = 8192;

export interface BriefInput {
  epicId: string;
  goal: string | null;
  sessionNumber: number;
  budget: BudgetStatus;
  /** The checkpoint the new session continues from (null for a first session). */
  last: Checkpoint | null;
  /** Extra sections later capabilities add, already rendered; placed after the gate status. */
  sections?: { title: string; body: string }[];
  maxBytes?: number;
  /** Full facts (buildResumeBrief / loadBriefFacts); without them the brief uses `last` only. */
  facts?: BriefFacts;
}

const money = (n: number): string => `$${n.toFixed(2)}`;
const when = (at: string): string => isoUtc(at).slice(0, 16).replace('T', ' ') + 'Z';
const LIST_MAX = 15;

function whereWhen(e: { at: string; sessionNumber: number; source?: string | undefined }): string {
  const session = e.source?.startsWith('epic-note:')
    ? e.sessionNumber > 0 ? `noted after session ${e.sessionNumber}` : 'noted before session 1'
    : e.sessionNumber > 0 ? `session ${e.sessionNumber}` : 'before session 1';
  return `_(${session}, ${when(e.at)})_`;
}

function bullets<T>(list: readonly T[], line: (x: T) => string, max = LIST_MAX, older = 'older'): string {
  const shown = list.slice(0, max).map((x) => `- ${line(x)}`);
  if (list.length > max) shown.push(`- … ${list.length - max} ${older} not shown`);
  return shown.join('\n');
}

const entryLine = (e: Entry): string => `${oneLine(e.text)} ${whereWhen(e)}`;
const didntLine = (d: DidntWork): string => `[${d.kind.replace('_', ' ')}] ${d.text} ${whereWhen(d)}`;

function header(f: BriefFacts): string[] {
  const lines = [`# Resume brief: ${f.epicId} — session ${f.sessionNumber}${f.sessionIsLive ? ' (running)' : ''}`];
  if (f.goal) lines.push(`**Goal:** ${oneLine(f.goal, 1000)}`);
  if (f.task) lines.push(`**Task:** ${oneLine(f.task, 1000)}`);
  const unknown = f.unknownCharges > 0 ? ` plus ${f.unknownCharges} charge(s) of unknown cost` : '';
  lines.push(
    f.budget.budget === null
      ? `Spent so far: ${money(f.budget.spent)}${unknown} (no budget set).`
      : `Budget: ${money(f.budget.spent)}${unknown} spent of ${money(f.budget.budget)}, ${money(Math.max(0, f.budget.remaining ?? 0))} remaining.`,
  );
  if (f.last) lines.push(`Last checkpoint: ${f.last.id} at ${when(f.last.createdAt)} (${f.last.trigger}: ${oneLine(f.last.reason, 200)}); session ${f.last.sessionNumber} is ${f.last.status}.`);
  if (f.code?.head) lines.push(`Code at: ${f.code.branch ?? 'detached HEAD'} ${f.code.head.slice(0, 12)}.`);
  return [lines.join('\n')];
}

function gatesSection(f: BriefFacts): string | null {
  const g = f.gates;
  if (!g) return null;
  const head = `Latest run (${g.latest.phase}, session ${g.latest.sessionNumber}, ${when(g.latest.at)}): ${g.latest.ok ? 'passed' : 'FAILED'}.`;
  const base =
    g.latest.phase === 'baseline' ? 'No later run in that session yet.'
    : g.baseline ? `Baseline (session ${g.baseline.sessionNumber}, ${when(g.baseline.at)}): ${g.baseline.ok ? 'passed' : 'failing'}.`
    : 'No baseline run recorded for that session.';
  const rows = g.gates.map((x) => {
    const tests = x.failingTests.length ? ` — failing: ${x.failingTests.slice(0, 8).join(', ')}${x.failingTests.length > 8 ? ', …' : ''}` : '';
    const why = x.predates ? ' (already failing at the baseline: predates the session)' : x.change === 'regressed' ? ' (regressed since the baseline)' : x.change === 'fixed' ? ' (fixed since the baseline)' : '';
    return `- ${x.name}: ${x.latest ?? 'not run'}${x.baseline ? ` (baseline: ${x.baseline})` : ''}${why}${tests}`;
  });
  return `## Gate status\n${head}\n${base}${rows.length ? `\n${rows.join('\n')}` : ''}`;
}

function gitSection(f: BriefFacts): string | null {
  const g = f.git;
  if (!g) return null;
  if (g.error) return `## Commits since the epic began\nUnavailable: ${oneLine(g.error, 200)}`;
  const range = `${g.from ? g.from.slice(0, 12) : '(root)'}..${g.to ? g.to.slice(0, 12) : 'HEAD'}`;
  if (g.total === 0) return `## Commits since the epic began\nNone (${range}).`;
  const stat = `${g.files.length} file(s) changed, ${g.insertions} insertion(s)(+), ${g.deletions} deletion(s)(-)`;
  const files = bullets(g.files, (x) => `${x.path} ${x.insertions === null ? '(binary)' : `+${x.insertions} -${x.deletions ?? 0}`}`, LIST_MAX, 'more files');
  const commits = bullets(g.commits, (c) => `${c.sha.slice(0, 10)} ${oneLine(c.subject, 120)} _(${when(c.at)})_`, LIST_MAX, 'older commits');
  const hidden = g.total - g.commits.length;
  return `## Commits since the epic began (${g.total}, ${range})\n${commits}${hidden > 0 ? `\n- … ${hidden} older commits not listed` : ''}\n\nDiffstat: ${stat}\n${files}`;
}

function trackerSection(f: BriefFacts): string | null {
  const t = f.tracker;
  if (!t) return null;
  if (t.error !== null) return `## Issues\ntracker unavailable: ${oneLine(t.error, 300)}`;
  const group = (title: string, list: { id: string; title: string }[]): string =>
    `${title} (${list.length})${list.length ? `\n${bullets(list, (i) => `${i.id} ${oneLine(i.title, 120)}`, 10, 'more')}` : ''}`;
  return `## Issues\n${group('In progress', t.inProgress)}\n${group('Blocked', t.blocked)}\n${group('Done', t.done)}`;
}

/** Render facts as the markdown brief, capped at `maxBytes`. */
export function renderBrief(f: BriefFacts, o: { maxBytes?: number; sections?: { title: string; body: string }[] } = {}): string {
  const parts: (string | null)[] = [...header(f)];
  const notesAreNext = f.notes.length > 0;
  if (f.nextSteps.length) parts.push(`## Next steps\n${f.nextSteps.map((s) => `- ${oneLine(s)}`).join('\n')}`);
  if (f.didntWork.length) parts.push(`## What didn't work\n${bullets(f.didntWork, didntLine, 20)}`);
  parts.push(gatesSection(f));
  for (const s of o.sections ?? []) if (s.body.trim()) parts.push(`## ${oneLine(s.title, 100)}\n${s.body.trim()}`);
  if (f.uncommitted.length) parts.push(`## Uncommitted work at the last checkpoint\n${bullets(f.uncommitted, (p) => p, 30, 'more files')}`);
  parts.push(gitSection(f), trackerSection(f));
  if (f.decisions.length) parts.push(`## Decisions\n${bullets(f.decisions, entryLine)}`);
  const otherNotes = notesAreNext ? f.notes.slice(f.nextSteps.length) : f.notes;
  if (otherNotes.length) parts.push(`## Notes\n${bullets(otherNotes, entryLine)}`);
  return capBytes(parts.filter((p): p is string => p !== null).join('\n\n') + '\n', o.maxBytes ?? DEFAULT_BRIEF_BYTES);
}

/** Facts from one checkpoint alone: what `orch session start --resume` has at hand. */
export function factsFromCheckpoint(b: BriefInput): BriefFacts {
  const ctx = b.last?.context;
  const newest = (l: readonly Entry[]): Entry[] => [...l].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
  const notes = newest(ctx?.notes ?? []);
  const task = ctx?.currentTask ?? null;
  return {
    epicId: b.epicId,
    goal: b.goal,
    sessionNumber: b.sessionNumber,
    sessionIsLive: false,
    budget: b.budget,
    unknownCharges: 0,
    last: b.last && { id: b.last.id, createdAt: b.last.createdAt, trigger: b.last.trigger, reason: b.last.reason, sessionNumber: b.last.sessionNumber, status: b.last.status },
    code: b.last?.git ? { branch: b.last.git.branch, head: b.last.git.head } : null,
    task,
    git: null,
    uncommitted: b.last?.git?.changed ?? [],
    gates: null,
    tracker: null,
    decisions: newest(ctx?.decisions ?? []),
    notes,
    nextSteps: notes.length ? notes.slice(0, 3).map((n) => n.text) : task ? [`Continue the task: ${task}`] : [],
    didntWork: newest(ctx?.blockers ?? []).map((e) => ({ kind: e.source?.endsWith('note:tried') ? 'tried' : 'blocker', at: e.at, sessionNumber: e.sessionNumber, text: e.text })),
  };
}

/**
 * The resume brief: markdown built only from durable facts (checkpoints, recorded events, git),
 * never from a model's summary. Size-capped; most recent entries first.
 */
export function renderResumeBrief(b: BriefInput): string {
  // The caller knows the number of the session the brief is for (it may already be allocated).
  const facts = b.facts ? { ...b.facts, sessionNumber: b.sessionNumber, sessionIsLive: false } : factsFromCheckpoint(b);
  return renderBrief(facts, { ...(b.maxBytes !== undefined ? { maxBytes: b.maxBytes } : {}), ...(b.sections ? { sections: b.sections } : {}) });
}

const CUT_NOTE = '… (brief cut at the size limit)\n';

/** Cut at a line boundary under the cap and say so, rather than send a half line. Never exceeds `max` bytes. */
export function capBytes(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  const noteBytes = Buffer.byteLength(CUT_NOTE);
  if (max < noteBytes) return '';
  // Keep whole lines (each ends with \n, an ASCII byte, so the cut never splits a character).
  const room = max - noteBytes;
  const nl = room > 0 ? buf.lastIndexOf(0x0a, room - 1) : -1;
  return (nl >= 0 ? buf.subarray(0, nl + 1).toString('utf8') : '') + CUT_NOTE;
}
