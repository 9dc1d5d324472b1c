import pc from 'picocolors';
import type { RunProgress, RunReport } from '../../core/run/types.ts';
import { money, table } from './format.ts';

const elapsed = (ms: number): string => `${Math.floor(ms / 60000)}m${String(Math.floor((ms % 60000) / 1000)).padStart(2, '0')}s`;

/** The one live line on a TTY: session, turns, cost against budget, elapsed. */
export function liveLine(p: Extract<RunProgress, { kind: 'agent' }>): string {
  const budget = p.budget === null ? '' : ` / ${money(p.budget)}`;
  return `session ${p.sessionNumber} · ${p.turns} tool calls · ~${money(p.spentEstimate)}${budget} · ${elapsed(p.elapsedMs)}`;
}

export function progressText(p: RunProgress): string | null {
  switch (p.kind) {
    case 'session':
      return `${pc.bold(`session ${p.sessionNumber}`)} (${p.sessionId})${p.resumed ? ' — resumed with the brief' : ''}`;
    case 'checkpoint':
      return pc.dim(`  checkpoint ${p.id} (${p.trigger})`);
    case 'warning':
      return `${pc.yellow('warning:')} ${p.message}`;
    case 'session_end':
      return `  session ${p.sessionNumber} ${p.status}: ${p.reason} (${p.costUsd === null ? 'cost unknown' : money(p.costUsd)})`;
    case 'agent':
      return null;
  }
}

export function renderRunReport(r: RunReport): string {
  const rows = r.sessions.map((s) => [String(s.sessionNumber), s.status, s.costUsd === null ? 'unknown' : money(s.costUsd), s.turns === null ? '—' : String(s.turns), s.reason.slice(0, 70)]);
  const budget = r.budget === null ? 'no budget' : `of ${money(r.budget)}`;
  return [rows.length ? table(rows, ['SESSION', 'STATUS', 'COST', 'TURNS', 'WHY']) : 'no session ran', `epic ${r.epicId}: ${money(r.spent)} spent ${budget}`, r.message].join('\n');
}
