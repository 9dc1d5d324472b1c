import type { SessionTip } from './store.ts';

export interface BudgetStatus {
  budget: number | null;
  /** Sum of the recorded session costs: derived, never a counter. */
  spent: number;
  remaining: number | null;
  fractionUsed: number | null;
  exhausted: boolean;
}

/** Round to micro-dollars so sums of stored figures do not drift with float noise. */
export const usd = (n: number): number => Math.round(n * 1e6) / 1e6;

export function budgetStatus(budget: number | null, sessions: readonly Pick<SessionTip, 'costUsd'>[]): BudgetStatus {
  const spent = usd(sessions.reduce((a, s) => a + s.costUsd, 0));
  if (budget === null) return { budget, spent, remaining: null, fractionUsed: null, exhausted: false };
  return {
    budget,
    spent,
    remaining: usd(budget - spent),
    fractionUsed: budget > 0 ? spent / budget : 1,
    exhausted: spent >= budget,
  };
}

/** The warning is given once per budget: raising the budget re-arms it. */
export const shouldWarn = (s: BudgetStatus, warnAt: number, warnedForBudget: number | null): boolean =>
  s.budget !== null && s.fractionUsed !== null && s.fractionUsed >= warnAt && warnedForBudget !== s.budget;
