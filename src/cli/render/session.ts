import type { BudgetStatus } from '../../core/budget.ts';
import type { EpicStatus } from '../../core/session/status.ts';
import type { Checkpoint } from '../../schema/checkpoint.ts';
import { money, table, when } from './format.ts';

export function renderBudget(b: BudgetStatus): string {
  if (b.budget === null) return `spent ${money(b.spent)} (no budget)`;
  const pct = b.fractionUsed === null ? '' : ` (${Math.round(b.fractionUsed * 100)} %)`;
  return `spent ${money(b.spent)} of ${money(b.budget)}${pct}, ${money(b.remaining)} left${b.exhausted ? ' — EXHAUSTED' : ''}`;
}

export function renderStatus(s: EpicStatus): string {
  const lines = [`epic ${s.epic.epicId}${s.epic.goal ? ` — ${s.epic.goal}` : ''}`, `budget   ${renderBudget(s.budget)}`, `sessions ${s.sessions.length}${s.live.length ? ` (${s.live.length} live)` : ''}`];
  if (s.latest) lines.push(`latest   session ${s.latest.sessionNumber} ${s.latest.sessionId}: ${s.latest.status}, ${money(s.latest.costUsd)}`);
  const c = s.lastCheckpoint;
  if (c) {
    lines.push(`last checkpoint ${c.id} at ${when(c.createdAt)} (${c.trigger}: ${c.reason})`);
    if (c.git) lines.push(`code     ${c.git.branch ?? 'detached'} ${c.git.head?.slice(0, 12) ?? '(no commits)'}, ${c.git.changed.length} file(s) uncommitted in the snapshot${c.git.excluded.length ? `, ${c.git.excluded.length} secret file(s) left out` : ''}`);
  }
  return lines.join('\n');
}

export function renderCheckpointRow(c: Checkpoint): string[] {
  return [c.id, `#${c.sessionNumber}`, c.status, c.trigger, money(c.context.sessionCost), when(c.createdAt), c.reason.replace(/\s+/g, ' ').slice(0, 60)];
}

export function renderList(checkpoints: Checkpoint[], errors: { ref: string; message: string }[]): string {
  const body = checkpoints.length ? table(checkpoints.map(renderCheckpointRow), ['CHECKPOINT', 'SESSION', 'STATUS', 'TRIGGER', 'COST', 'CREATED', 'REASON']) : 'no checkpoints';
  return [body, ...errors.map((e) => `unreadable: ${e.message}`)].join('\n');
}

export function renderCheckpoint(c: Checkpoint): string {
  const x = c.context;
  const lines = [
    `checkpoint ${c.id}`,
    `epic ${c.epicId}, session ${c.sessionNumber} (${c.sessionId}), ${c.status}${c.outcome ? ` (${c.outcome})` : ''}`,
    `created ${when(c.createdAt)}, ${c.trigger}: ${c.reason}`,
    `cost: session ${money(x.sessionCost)}, epic ${money(x.cumulativeCost)}${x.budget !== null ? ` of ${money(x.budget)}` : ''}`,
  ];
  if (c.git) {
    lines.push(`git: ${c.git.branch ?? 'detached'} ${c.git.head ?? '(no commits)'}, snapshot ${c.git.snapshotTree?.slice(0, 12) ?? '—'}`);
    if (c.git.changed.length) lines.push(`uncommitted: ${c.git.changed.slice(0, 20).join(', ')}${c.git.changed.length > 20 ? ', …' : ''}`);
    if (c.git.excluded.length) lines.push(`left out (secrets): ${c.git.excluded.join(', ')}`);
  }
  if (x.currentTask) lines.push(`task: ${x.currentTask}`);
  for (const [title, list] of [['what didn\'t work', x.blockers], ['decisions', x.decisions], ['notes', x.notes]] as const) {
    if (list.length) lines.push(`${title}:`, ...list.map((e) => `  - ${e.text} (session ${e.sessionNumber})`));
  }
  return lines.join('\n');
}

export function renderLive(l: { pid: number; sessionNumber: number | null; turns: number; spentEstimate: number; budget: number | null; updatedAt: string; logPath: string | null; background: boolean; state: string }): string {
  const budget = l.budget === null ? '' : ` / ${money(l.budget)}`;
  return [
    `running  orch run pid ${l.pid}${l.background ? ' (background)' : ''}, ${l.state}: session ${l.sessionNumber ?? '—'}, ${l.turns} tool calls, ~${money(l.spentEstimate)}${budget}, updated ${when(l.updatedAt)}`,
    ...(l.logPath ? [`log      ${l.logPath}`] : []),
  ].join('\n');
}
