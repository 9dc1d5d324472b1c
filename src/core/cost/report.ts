import type { SessionEvent } from '../../schema/event.ts';
import { EVENT } from '../../schema/events.ts';
import { budgetStatus, usd, type BudgetStatus } from '../budget.ts';
import type { CoreDeps } from '../deps.ts';
import type { SessionStatus } from '../../schema/context.ts';
import { OrchError } from '../errors.ts';
import { updateEpic } from '../session/epic.ts';
import { requireEpic } from '../session/load.ts';
import type { CheckpointStore } from '../store.ts';
import { parseBudget, validateId } from '../validate.ts';

/** A known amount plus a count of charges whose amount is unknown: unknown is never added as 0. */
export interface Amount {
  usd: number;
  unknown: number;
}

/** Spend that cost.charged events did not attribute to a model. */
export const UNATTRIBUTED = '(unattributed)';

export interface SessionCost {
  sessionId: string;
  sessionNumber: number;
  status: SessionStatus;
  /** The session's recorded spend (its newest checkpoint): what the budget counts. */
  costUsd: number;
  /** Charges of unknown amount, or the session's unpriced calls when it counted more (never summed twice). */
  unknown: number;
  charges: number;
  models: Record<string, Amount>;
}

export interface CostReport {
  epicId: string;
  budget: BudgetStatus;
  /** Charges of unknown amount across the epic (spend beyond `budget.spent`). */
  unknown: number;
  sessions: SessionCost[];
  models: ({ model: string } & Amount)[];
}

const add = (to: Record<string, Amount>, model: string, v: number | null): void => {
  const a = (to[model] ??= { usd: 0, unknown: 0 });
  if (v === null) a.unknown += 1;
  else a.usd = usd(a.usd + v);
};

const amountOf = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Per-model split of one session from its cost.charged events; what they leave unattributed is said so. */
function sessionModels(events: readonly SessionEvent[], recorded: number): { models: Record<string, Amount>; unknown: number; charges: number } {
  const models: Record<string, Amount> = {};
  let unknown = 0;
  let charged = 0;
  for (const e of events) {
    const amount = amountOf(e.amount);
    if (amount === null) unknown += 1;
    const split = e.models !== null && typeof e.models === 'object' && !Array.isArray(e.models) ? Object.entries(e.models as Record<string, unknown>) : [];
    let known = 0;
    for (const [model, v] of split) {
      const m = amountOf(v);
      add(models, model, m);
      known += m ?? 0;
    }
    // Transcript charges price what they can and count the calls they could not (hooks).
    const unpriced = amountOf(e.unpricedCalls) ?? 0;
    unknown += unpriced;
    const unpricedModels = Array.isArray(e.unpricedModels) ? e.unpricedModels.filter((m): m is string => typeof m === 'string') : [];
    for (const m of unpricedModels) add(models, m, null);
    if (unpriced > 0 && unpricedModels.length === 0) add(models, UNATTRIBUTED, null);
    if (split.length === 0 && (amount !== 0 || unpriced === 0)) add(models, UNATTRIBUTED, amount);
    else if (amount !== null && amount - known > 1e-9) add(models, UNATTRIBUTED, amount - known);
    charged += amount ?? known;
  }
  // Spend recorded on the checkpoint without a matching charge event (hooks, older writers).
  if (recorded - charged > 1e-6) add(models, UNATTRIBUTED, recorded - charged);
  return { models, unknown, charges: events.length };
}

/** Spend of an epic per session and per model, from session tips and cost.charged events. */
export async function costReport(depsOrStore: CoreDeps | CheckpointStore, epicIdRaw: string): Promise<CostReport> {
  const store = 'store' in depsOrStore ? depsOrStore.store : depsOrStore;
  const epicId = validateId('epic', epicIdRaw);
  const epic = await store.getEpic(epicId);
  if (!epic) throw new OrchError('not_found', `no epic ${epicId} here`, { hint: `start one with: orch session start --epic ${epicId}` });
  const tips = await store.listSessions(epicId);
  const sessions = await Promise.all(
    tips.map(async (t): Promise<SessionCost> => {
      const [events, last] = await Promise.all([store.readEvents(epicId, t.sessionId), store.latestInSession(epicId, t.sessionId)]);
      const split = sessionModels(events.filter((e) => e.type === EVENT.costCharged), t.costUsd);
      return { sessionId: t.sessionId, sessionNumber: t.sessionNumber, status: t.status, costUsd: t.costUsd, unknown: Math.max(split.unknown, last?.context.unpricedCalls ?? 0), charges: split.charges, models: split.models };
    }),
  );
  const totals: Record<string, Amount> = {};
  for (const s of sessions) {
    for (const [model, a] of Object.entries(s.models)) {
      const t = (totals[model] ??= { usd: 0, unknown: 0 });
      t.usd = usd(t.usd + a.usd);
      t.unknown += a.unknown;
    }
  }
  const models = Object.entries(totals)
    .map(([model, a]) => ({ model, ...a }))
    .sort((a, b) => b.usd - a.usd || b.unknown - a.unknown || a.model.localeCompare(b.model));
  return { epicId, budget: budgetStatus(epic.budget, tips), unknown: sessions.reduce((a, s) => a + s.unknown, 0), sessions, models };
}

/** Set (or lower, or raise) the epic's budget; recorded as a budget.set event on the epic record. */
export async function setBudget(deps: CoreDeps, epicIdRaw: string, raw: string | number): Promise<{ epicId: string; from: number | null; to: number; budget: BudgetStatus }> {
  const epicId = validateId('epic', epicIdRaw);
  const to = parseBudget(raw);
  await requireEpic(deps, epicId);
  let from: number | null = null;
  await updateEpic(deps, epicId, (e, at) => {
    from = e.budget;
    if (e.budget === to) return null;
    const event = { id: `ev_${deps.ids.ulid()}`, at, type: EVENT.budgetSet, sessionId: `epic:${epicId}`, sessionNumber: Math.max(1, e.sessionCount), from: e.budget, to };
    return { epic: { ...e, budget: to }, events: [event] };
  });
  return { epicId, from, to, budget: budgetStatus(to, await deps.store.listSessions(epicId)) };
}
