import type { Amount, CostReport } from '../../../core/cost/report.ts';
import { money, table } from '../../render/format.ts';
import { renderBudget } from '../../render/session.ts';

/** Unknown amounts print as "unknown", never as $0.00. */
export function amount(a: Amount): string {
  if (a.unknown === 0) return money(a.usd);
  const unknown = `unknown (${a.unknown} unpriced)`;
  return a.usd > 0 ? `${money(a.usd)} + ${unknown}` : unknown;
}

export function spentLine(r: CostReport): string {
  return `epic ${r.epicId}: ${renderBudget(r.budget)}${r.unknown > 0 ? `; plus ${r.unknown} unpriced charge(s) or call(s) of unknown cost, not counted` : ''}`;
}

export function sessionTable(r: CostReport): string {
  if (r.sessions.length === 0) return 'no sessions yet';
  return table(
    r.sessions.map((s) => [`#${s.sessionNumber}`, s.sessionId, s.status, amount({ usd: s.costUsd, unknown: s.unknown })]),
    ['SESSION', 'ID', 'STATUS', 'COST'],
  );
}

export function modelTable(r: CostReport): string {
  if (r.models.length === 0) return 'no charges recorded';
  return table(r.models.map((m) => [m.model, amount(m)]), ['MODEL', 'COST']);
}
