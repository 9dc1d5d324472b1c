import type { OrchestrationContext } from '../../schema/context.ts';
import type { Epic } from '../../schema/epic.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { gateEvent, testStateFrom } from '../gates/record.ts';
import { loadBriefFacts, type BriefTrackerOptions } from '../brief/build.ts';
import { renderResumeBrief } from '../brief/render.ts';
import type { GitHistorySource } from '../brief/types.ts';
import { budgetStatus, shouldWarn, type BudgetStatus } from '../budget.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { newId } from '../ports.ts';
import { parseBudget, validateId } from '../validate.ts';
import { writeCheckpoint } from './checkpoint.ts';
import { carryOver, newContext } from './context.ts';
import { updateEpic } from './epic.ts';
import { isLive } from './lifecycle.ts';
import { sessionFromCheckpoint } from './load.ts';
import type { Session } from './types.ts';

export interface StartOptions {
  epicId: string;
  /** Continue from the newest session: carry its context over and build a brief. */
  resume: boolean;
  /** Set or raise the epic's budget (USD). */
  budget?: number | string | null | undefined;
  goal?: string | undefined;
  task?: string | undefined;
  /** Allow other live sessions in the epic (convoy workers run in parallel). */
  concurrent?: boolean;
  /** Continue from this session rather than the epic's newest (a convoy worker's own line). */
  fromSessionId?: string | null | undefined;
  /** The agent conversation this session will use (stored at once, so a crash leaves it findable). */
  agentSessionId?: string | undefined;
  /** The quality gates run just before this session: its baseline, stored with the start checkpoint. */
  baseline?: GateRun | null | undefined;
  /** Git history for the brief (commits since the epic began, reverts); none = those parts left out. */
  history?: GitHistorySource | null | undefined;
  /** Rendered extra brief sections (gates, commits, tracker) from later capabilities. */
  briefSections?: { title: string; body: string }[];
  /** The configured tracker (adapters/brief/tracker-config.ts): the brief lists its issues done / in progress / blocked. */
  briefTracker?: BriefTrackerOptions | undefined;
}

export interface StartResult {
  session: Session;
  context: OrchestrationContext;
  resumeBrief: string | null;
  budget: BudgetStatus;
  /** The 80 % warning, given once per budget. */
  warning: string | null;
  /** Live sessions this start took over (marked interrupted: they were never paused). */
  interrupted: string[];
  epic: Epic;
}

function exhaustedError(epicId: string, b: BudgetStatus): OrchError {
  return new OrchError('budget_exceeded', `epic ${epicId} has spent $${b.spent.toFixed(2)} of its $${(b.budget ?? 0).toFixed(2)} budget`, {
    hint: `raise it with: orch session start --epic ${epicId} --resume --budget <amount>`,
  });
}

export async function startSession(deps: CoreDeps, o: StartOptions): Promise<StartResult> {
  const epicId = validateId('epic', o.epicId);
  const budgetArg = o.budget === undefined || o.budget === null ? undefined : parseBudget(o.budget);
  const tips = await deps.store.listSessions(epicId);
  const live = tips.filter((t) => isLive(t.status));
  if (live.length > 0 && !o.resume && !o.concurrent) {
    const l = live.at(-1)!;
    throw new OrchError('illegal_transition', `session ${l.sessionNumber} (${l.sessionId}) of epic ${epicId} is still ${l.status}`, {
      hint: `pause it (orch session pause --epic ${epicId} --reason …), complete it, or take it over with --resume`,
    });
  }
  const current = await deps.store.getEpic(epicId);
  const budget = budgetStatus(budgetArg ?? current?.budget ?? null, tips);
  if (budget.exhausted) throw exhaustedError(epicId, budget);

  // Take over sessions that were never paused (a crash, a kill -9): they keep their last cost.
  const interrupted: string[] = [];
  const fromId = o.fromSessionId !== undefined ? o.fromSessionId : (tips.at(-1)?.sessionId ?? null);
  let previous = fromId ? await deps.store.latestInSession(epicId, fromId) : null;
  if (o.resume && !o.concurrent) {
    for (const t of live) {
      const c = await deps.store.latestInSession(epicId, t.sessionId);
      if (!c) continue;
      const s = sessionFromCheckpoint(c, t.createdAt);
      const stored = await writeCheckpoint(deps, s, c.context, {
        trigger: 'interrupted',
        reason: 'taken over by a new session: it was never paused or completed',
        status: 'interrupted',
        snapshot: false,
        events: [{ type: 'session.interrupted', reason: 'no pause or completion was recorded' }],
      });
      if (previous?.sessionId === t.sessionId) previous = stored;
      interrupted.push(t.sessionId);
    }
  }

  const epic = await updateEpic(deps, epicId, (e) => ({
    epic: { ...e, budget: budgetArg ?? e.budget, goal: o.goal ?? e.goal, sessionCount: e.sessionCount + 1 },
    events: budgetArg !== undefined && budgetArg !== e.budget ? [budgetEvent(deps, epicId, e.budget, budgetArg)] : [],
  }));
  const session: Session = {
    id: newId(deps.ids, 'ses'),
    epicId,
    number: epic.sessionCount,
    status: 'running',
    parentSessionId: o.resume ? (previous?.sessionId ?? null) : null,
    startedAt: deps.clock.now().toISOString(),
    lastCheckpointId: null,
  };
  const fresh = newContext({ epicId, sessionId: session.id, sessionNumber: session.number, parentSessionId: session.parentSessionId, budget, task: o.task ?? null });
  const carried = o.resume && previous ? carryOver(fresh, previous.context) : fresh;
  const tested = o.baseline ? testStateFrom(o.baseline, session.startedAt) : null;
  const context = { ...carried, ...(o.agentSessionId ? { agentSessionId: o.agentSessionId } : {}), ...(tested ? { testState: tested } : {}) };
  // The brief is built from everything recorded so far (sessions, events, git), before this session writes.
  const facts = o.resume && previous ? await loadBriefFacts(deps, o.history ?? null, epicId, o.briefTracker ?? {}) : undefined;
  const resumeBrief = o.resume
    ? renderResumeBrief({ epicId, goal: epic.goal, sessionNumber: session.number, budget, last: previous, ...(facts ? { facts } : {}), ...(o.briefSections ? { sections: o.briefSections } : {}) })
    : null;
  const start = await writeCheckpoint(deps, session, context, {
    trigger: 'session_start',
    reason: o.resume ? `resume from ${previous?.id ?? 'nothing (first session)'}` : 'session start',
    status: 'running',
    events: [
      { type: 'session.started', resume: o.resume, parentSessionId: session.parentSessionId, budget: budget.budget, task: o.task ?? null },
      ...(o.baseline ? [gateEvent('baseline', o.baseline)] : []),
    ],
    ...(resumeBrief ? { brief: resumeBrief } : {}),
  });
  const warning = await warnOnce(deps, epicId, budget);
  return { session, context: start.context, resumeBrief, budget, warning, interrupted, epic };
}

function budgetEvent(deps: CoreDeps, epicId: string, from: number | null, to: number): { id: string; at: string; type: string; sessionId: string; sessionNumber: number; [k: string]: unknown } {
  return { id: `ev_${deps.ids.ulid()}`, at: deps.clock.now().toISOString(), type: 'budget.set', sessionId: `epic:${epicId}`, sessionNumber: 1, from, to };
}

/** Record and return the 80 % warning the first time it applies to this budget; null otherwise. */
export async function warnOnce(deps: CoreDeps, epicId: string, budget: BudgetStatus): Promise<string | null> {
  let text: string | null = null;
  await updateEpic(deps, epicId, (e) => {
    if (!shouldWarn(budget, e.warnAt, e.warnedForBudget)) return null;
    text = `epic ${epicId} has used ${Math.round((budget.fractionUsed ?? 0) * 100)} % of its $${(budget.budget ?? 0).toFixed(2)} budget ($${budget.spent.toFixed(2)} spent)`;
    const ev = { id: `ev_${deps.ids.ulid()}`, at: deps.clock.now().toISOString(), type: 'budget.warning', sessionId: `epic:${epicId}`, sessionNumber: 1, spent: budget.spent, budget: budget.budget, message: text };
    return { epic: { ...e, warnedForBudget: budget.budget }, events: [ev] };
  });
  return text;
}
