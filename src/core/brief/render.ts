import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { Entry } from '../../schema/context.ts';
import type { BudgetStatus } from '../budget.ts';

export interface BriefInput {
  epicId: string;
  goal: string | null;
  sessionNumber: number;
  budget: BudgetStatus;
  /** The checkpoint the new session continues from (null for a first session). */
  last: Checkpoint | null;
  /** Extra sections later capabilities add (gates, commits, tracker…), already rendered. */
  sections?: { title: string; body: string }[];
  maxBytes?: number;
}

const money = (n: number): string => `$${n.toFixed(2)}`;

function entries(list: readonly Entry[], max = 20): string {
  return [...list]
    .reverse()
    .slice(0, max)
    .map((e) => `- ${e.text.replace(/\s+/g, ' ').trim()} _(session ${e.sessionNumber}, ${e.at.slice(0, 16).replace('T', ' ')})_`)
    .join('\n');
}

/**
 * The resume brief: markdown built only from durable facts (checkpoints, recorded events), never
 * from a model's summary. Size-capped; most recent entries first.
 */
export function renderResumeBrief(b: BriefInput): string {
  const ctx = b.last?.context;
  const parts: string[] = [`# Resume brief: ${b.epicId} — session ${b.sessionNumber}`];
  if (b.goal) parts.push(`**Goal:** ${b.goal}`);
  const spend =
    b.budget.budget === null
      ? `Spent so far: ${money(b.budget.spent)} (no budget set).`
      : `Budget: ${money(b.budget.spent)} spent of ${money(b.budget.budget)}, ${money(Math.max(0, b.budget.remaining ?? 0))} remaining.`;
  parts.push(spend);
  if (b.last) {
    parts.push(
      `Last checkpoint: ${b.last.id} at ${b.last.createdAt} (${b.last.trigger}: ${b.last.reason}); session ${b.last.sessionNumber} ended ${b.last.status}.`,
    );
    if (b.last.git?.head) parts.push(`Code at: ${b.last.git.branch ?? 'detached HEAD'} ${b.last.git.head.slice(0, 12)}.`);
  }
  if (ctx?.currentTask) parts.push(`## Current task\n${ctx.currentTask}`);
  if (ctx && ctx.blockers.length > 0) parts.push(`## What didn't work\n${entries(ctx.blockers)}`);
  for (const s of b.sections ?? []) if (s.body.trim()) parts.push(`## ${s.title}\n${s.body.trim()}`);
  if (b.last?.git && b.last.git.changed.length > 0) {
    const files = b.last.git.changed.slice(0, 30).map((f) => `- ${f}`).join('\n');
    parts.push(`## Uncommitted work at the last checkpoint\n${files}${b.last.git.changed.length > 30 ? `\n- … ${b.last.git.changed.length - 30} more` : ''}`);
  }
  if (ctx && ctx.decisions.length > 0) parts.push(`## Decisions\n${entries(ctx.decisions)}`);
  if (ctx && ctx.notes.length > 0) parts.push(`## Notes\n${entries(ctx.notes)}`);
  if (ctx && ctx.testState.status !== 'unknown') {
    const t = ctx.testState;
    parts.push(`## Tests\n${t.status}${t.passed !== null ? `: ${t.passed} passed, ${t.failed ?? 0} failed` : ''}${t.failing.length ? `\nFailing: ${t.failing.slice(0, 10).join(', ')}` : ''}`);
  }
  return capBytes(parts.join('\n\n') + '\n', b.maxBytes ?? 8192);
}

/** Cut at a line boundary under the cap and say so, rather than send a half line. */
export function capBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const note = '\n… (brief cut at the size limit)\n';
  let cut = text.slice(0, max - note.length);
  while (Buffer.byteLength(cut) > max - note.length) cut = cut.slice(0, -1);
  const nl = cut.lastIndexOf('\n');
  return (nl > 0 ? cut.slice(0, nl) : cut) + note;
}
