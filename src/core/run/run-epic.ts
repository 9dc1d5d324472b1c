import type { AgentOutcome } from '../../adapters/agents/types.ts';
import type { OrchestrationContext, SessionStatus } from '../../schema/context.ts';
import { EVENT } from '../../schema/events.ts';
import { budgetStatus, usd } from '../budget.ts';
import { OrchError } from '../errors.ts';
import { writeCheckpoint, type EventInput } from '../session/checkpoint.ts';
import { chargeCost } from '../session/context.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { compareGateRuns } from '../gates/compare.ts';
import { gateEvent, regressionLines, testStateFrom } from '../gates/record.ts';
import { isLive } from '../session/lifecycle.ts';
import { sessionFromCheckpoint } from '../session/load.ts';
import { startSession, warnOnce } from '../session/start.ts';
import type { Outcome } from '../session/types.ts';
import { buildPrompt, saysDone } from './prompt.ts';
import { runAgentSession } from './session-runner.ts';
import type { RunOptions, RunPorts, RunReport, SessionSummary, StopReason } from './types.ts';

/** Why a failed agent run failed, in words a brief can carry. */
function failureText(o: AgentOutcome): string {
  const what =
    o.failure === 'timeout' ? 'timed out'
    : o.failure === 'stalled' ? 'stalled (no output)'
    : o.failure === 'spawn_failed' ? 'could not start'
    : o.failure === 'aborted' ? 'was stopped'
    : o.failure === 'crashed' ? `crashed (exit ${o.exitCode ?? o.signal ?? '?'})`
    : o.failure === 'no_result' ? 'ended without a result'
    : `ended with ${o.subtype}`;
  const detail = [...o.errors, ...(o.ok ? [] : o.resultText ? [o.resultText] : [])].join('; ').replace(/\s+/g, ' ').slice(0, 300);
  return `agent ${what}${detail ? `: ${detail}` : ''}`;
}

/**
 * `orch run`: sessions of one epic until the agent says it is done, the budget is spent, too many
 * sessions failed in a row, the session cap is reached, or the user stops it.
 */
export async function runEpic(ports: RunPorts, opts: RunOptions): Promise<RunReport> {
  const { deps } = ports;
  const summaries: SessionSummary[] = [];
  let failuresInRow = 0;
  let stop: { reason: StopReason; message: string } | null = null;
  let lastResultText: string | null = null;

  let runBaseline: GateRun | null = null;
  for (let n = 0; n < opts.maxSessions && !stop; n++) {
    if (ports.stop.aborted) {
      stop = { reason: 'stopped', message: 'stopped before the next session' };
      break;
    }
    const scope = opts.scope;
    const tips = await deps.store.listSessions(opts.epicId);
    // A convoy worker continues its own issue's line; parallel workers never take each other over.
    const fromId = scope ? (summaries.at(-1)?.sessionId ?? scope.previousSessionId) : (tips.at(-1)?.sessionId ?? null);
    const hasHistory = fromId !== null;
    if (n === 0 && !scope) for (const w of await recoverInterrupted(ports, opts.epicId)) ports.onProgress?.({ kind: 'warning', message: w });
    const prior = fromId ? await deps.store.latestInSession(opts.epicId, fromId) : null;
    const prev = prior?.context.agentSessionId ?? null;
    const agentSession =
      opts.resumeAgent && prev ? { mode: 'resume' as const, id: prev, previousCumulativeCostUsd: null } : { mode: 'new' as const, id: ports.newAgentSessionId() };
    // One baseline per run, taken before its first session: a test broken by session n must not
    // become session n+1's baseline, or a later "done" would hide the regression.
    if (n === 0) runBaseline = ports.runGates ? await ports.runGates() : null;
    const baseline = runBaseline;
    const start = await startSession(deps, {
      baseline,
      history: ports.history ?? null,
      ...(hasHistory && ports.briefTracker ? { briefTracker: await ports.briefTracker() } : {}),
      epicId: opts.epicId,
      resume: hasHistory,
      budget: n === 0 ? opts.budget : undefined,
      task: opts.task,
      goal: n === 0 && !hasHistory ? opts.task : undefined,
      agentSessionId: agentSession.id,
      ...(scope ? { concurrent: true, fromSessionId: fromId } : {}),
    });
    const { session } = start;
    await scope?.onSession(session.id);
    if (start.warning) ports.onProgress?.({ kind: 'warning', message: start.warning });
    for (const s of start.interrupted) ports.onProgress?.({ kind: 'warning', message: `session ${s} was still running (orch was killed?): marked interrupted, its last recorded cost kept` });
    ports.onProgress?.({ kind: 'session', sessionNumber: session.number, sessionId: session.id, resumed: hasHistory, brief: start.resumeBrief });

    const prompt = opts.resumeAgent && prev ? `Continue the task.\n\n${opts.task}` : buildPrompt(opts.task, start.resumeBrief);
    // A worker's cap is its share: it sees a budget of (what it already spent + its share).
    const workerSpent = summaries.reduce((a, x) => a + (x.costUsd ?? 0), 0);
    const cap = scope?.budgetCap ?? null;
    const epicLeft = start.budget.budget === null ? null : start.budget.budget - start.budget.spent;
    const left = cap === null ? epicLeft : Math.min(epicLeft ?? Infinity, cap - workerSpent);
    const r = await runAgentSession(ports, opts, {
      session,
      context: start.context,
      prompt,
      spentBefore: left === null ? start.budget.spent : 0,
      budget: left === null ? null : Math.max(0, left),
      agentSession,
      // The 80 % warning watches the epic's budget while the agent runs (given already: not again).
      epicBudget: {
        budget: start.budget.budget,
        spent: start.budget.spent,
        warnAt: start.epic.warnAt,
        warnedForBudget: start.warning !== null ? start.budget.budget : start.epic.warnedForBudget,
      },
    });

    lastResultText = r.outcome.resultText;
    // Charge what the agent measured; unknown stays unknown (counted), never 0.
    let context: OrchestrationContext = r.context;
    const cost = r.outcome.costUsd;
    if (cost !== null) context = chargeCost(context, cost);
    else context = { ...context, unpricedCalls: context.unpricedCalls + 1 };
    const models = Object.fromEntries(Object.entries(r.outcome.modelUsage).map(([m, u]) => [m, u.costUsd]));
    const events: EventInput[] = [
      ...r.pending,
      ports.redactor.redactDeep({
        type: EVENT.agentResult,
        ok: r.outcome.ok,
        subtype: r.outcome.subtype,
        costUsd: cost,
        cumulativeCostUsd: r.outcome.cumulativeCostUsd,
        numTurns: r.outcome.numTurns,
        durationMs: r.outcome.durationMs,
        errors: r.outcome.errors,
        permissionDenials: r.outcome.permissionDenials,
        failure: r.outcome.failure,
        resultText: r.outcome.resultText?.slice(0, 4000) ?? null,
        done: saysDone(r.outcome.resultText),
      }),
      { type: EVENT.costCharged, amount: cost, source: ports.agent.name, models },
    ];
    // The end checkpoint follows at once with the snapshot (snapshot: true below, also when the gates
    // or the review throw); this one records the result and its cost.
    const mid = await writeCheckpoint(deps, session, context, { trigger: 'agent_result', reason: `agent result: ${r.outcome.subtype}`, events, snapshot: false });
    context = mid.context;

    const spent = usd(start.budget.spent + (cost ?? 0));
    const budget = budgetStatus(start.budget.budget, [{ costUsd: spent }]);
    const overCap = cap !== null && workerSpent + (cost ?? 0) >= cap;
    let status: SessionStatus;
    let outcome: Outcome | null = null;
    let reason: string;
    const end: EventInput[] = [];
    const blocker = (text: string): void => {
      context = { ...context, blockers: [...context.blockers, { at: deps.clock.now().toISOString(), sessionNumber: session.number, text: ports.redactor.redact(text), source: 'orch run' }] };
    };

    try {
      if (budget.exhausted || overCap || r.budgetStop || r.outcome.subtype === 'error_max_budget_usd') {
        status = 'budget_exceeded';
        reason = overCap && !budget.exhausted ? `worker share spent: $${(workerSpent + (cost ?? 0)).toFixed(4)} of $${(cap ?? 0).toFixed(4)}` : `budget spent: $${spent.toFixed(4)} of $${(budget.budget ?? 0).toFixed(2)}`;
        blocker(`session ${session.number} stopped at the budget (${reason})`);
        end.push({ type: EVENT.budgetExceeded, spent, budget: budget.budget });
        stop = { reason: 'budget_exceeded', message: `${reason}; raise it with: orch run --epic ${opts.epicId} --budget <amount> "…"` };
      } else if (ports.stop.aborted) {
        status = 'paused';
        reason = 'stopped by the user';
        stop = { reason: 'stopped', message: 'stopped: the session was paused after a final checkpoint' };
      } else if (!r.outcome.ok) {
        status = 'failed';
        reason = failureText(r.outcome);
        blocker(`session ${session.number}: ${reason}`);
        end.push({ type: EVENT.sessionFailed, reason, failure: r.outcome.failure ?? r.outcome.subtype });
        failuresInRow++;
        if (failuresInRow >= opts.maxConsecutiveFailures) {
          stop = { reason: 'failures', message: `${failuresInRow} sessions failed in a row; the last: ${ports.redactor.redact(reason)}` };
        }
      } else {
        failuresInRow = 0;
        const said = saysDone(r.outcome.resultText);
        // The gates decide with the agent: "done" with a regressed required gate is not done.
        const final = ports.runGates ? await ports.runGates() : null;
        const cmp = baseline && final ? compareGateRuns(baseline, final) : null;
        const regressed = cmp ? regressionLines(cmp) : [];
        if (final) {
          end.push(gateEvent('final', final, cmp ?? undefined));
          const tested = testStateFrom(final, deps.clock.now().toISOString());
          if (tested) context = { ...context, testState: tested };
        }
        for (const line of regressed) blocker(`session ${session.number}: ${line}`);
        // Every N sessions the reviewers look at the work; a blocking finding keeps it from being done.
        const reviewDue = opts.reviewEvery !== undefined && opts.reviewEvery > 0 && ports.review !== undefined && (n + 1) % opts.reviewEvery === 0;
        const review = reviewDue ? await ports.review!() : { ok: true, reason: '' };
        if (!review.ok) regressed.push(review.reason);
        const done = said && regressed.length === 0;
        status = 'completed';
        outcome = done ? 'success' : 'partial';
        reason = done
          ? `the agent reports the task done${final ? ' and the gates hold' : ''}`
          : said ? `the agent said done, but ${regressed.join('; ')}` : 'the agent ended its session; work remains';
        end.push({ type: EVENT.sessionCompleted, outcome, reason });
        if (done) stop = { reason: 'done', message: `done: the agent reports the task complete${final ? ' and no required gate regressed' : ''}` };
      }
    } catch (e) {
      // The gates or the review broke after the agent's result: the session still ends with a
      // checkpoint that carries the snapshot of the work (the agent_result one has none).
      const why = ports.redactor.redact(`orch could not finish the session after the agent's result: ${e instanceof Error ? e.message : String(e)}`);
      await writeCheckpoint(deps, session, context, { trigger: 'error', reason: why, status: 'failed', snapshot: true, events: [{ type: EVENT.sessionFailed, reason: why, failure: 'orch_error' }] }).catch(() => undefined);
      throw e;
    }
    // The reason quotes agent errors and gate output, which can hold a key: nothing unredacted is stored or printed.
    reason = ports.redactor.redact(reason);
    const final = await writeCheckpoint(deps, session, context, { trigger: status === 'failed' ? 'error' : status === 'budget_exceeded' ? 'budget_exceeded' : 'end', reason, status, outcome, snapshot: true, events: end.map((e) => ports.redactor.redactDeep(e)) });
    const warning = await warnOnce(deps, opts.epicId, budget);
    if (warning) ports.onProgress?.({ kind: 'warning', message: warning });
    summaries.push({ sessionNumber: session.number, sessionId: session.id, status: final.status, costUsd: cost, agentCostUsd: r.outcome.cumulativeCostUsd, turns: r.outcome.numTurns, reason });
    ports.onProgress?.({ kind: 'session_end', sessionNumber: session.number, status: final.status, costUsd: cost, reason });
  }
  const tips = await deps.store.listSessions(opts.epicId);
  const epic = await deps.store.getEpic(opts.epicId);
  const b = budgetStatus(epic?.budget ?? null, tips);
  const finalStop = stop ?? { reason: 'max_sessions' as const, message: `reached --max-sessions ${opts.maxSessions}; continue with another orch run` };
  return { epicId: opts.epicId, sessions: summaries, stopReason: finalStop.reason, message: finalStop.message, spent: b.spent, budget: b.budget, lastResultText };
}

/**
 * Sessions left running by an orch that was killed: charge what their agent spent (from the agent's
 * own records, when it has them) and mark them interrupted, so the epic's spend stays true.
 */
async function recoverInterrupted(ports: RunPorts, epicId: string): Promise<string[]> {
  const { deps } = ports;
  const notes: string[] = [];
  for (const tip of (await deps.store.listSessions(epicId)).filter((t) => isLive(t.status))) {
    const c = await deps.store.latestInSession(epicId, tip.sessionId);
    if (!c) continue;
    const id = c.context.agentSessionId;
    const measured = id && ports.recoverCost ? await ports.recoverCost(id) : null;
    const extra = measured === null ? 0 : usd(measured - c.context.sessionCost);
    const charged = extra > 0 ? chargeCost(c.context, extra) : c.context;
    const text = `session ${c.sessionNumber} was interrupted: orch was killed while it ran (last checkpoint ${c.id})`;
    const context = { ...charged, blockers: [...charged.blockers, { at: deps.clock.now().toISOString(), sessionNumber: c.sessionNumber, text, source: 'orch run' }] };
    const events: EventInput[] = [{ type: EVENT.sessionInterrupted, reason: 'orch was killed while this session ran' }];
    if (extra > 0) events.push({ type: EVENT.costCharged, amount: extra, source: 'transcript', models: {} });
    await writeCheckpoint(deps, sessionFromCheckpoint(c, tip.createdAt), context, { trigger: 'interrupted', reason: 'orch was killed while this session ran', status: 'interrupted', events });
    notes.push(`session ${c.sessionNumber} was still running (orch was killed?): marked interrupted${extra > 0 ? `, $${extra.toFixed(4)} recovered from the agent's transcript` : ', its last recorded cost kept'}`);
  }
  return notes;
}

export const assertRunnable = (o: RunOptions): void => {
  if (!o.task.trim()) throw new OrchError('usage', 'orch run needs a task', { hint: 'orch run --epic E "what to do"' });
  if (!Number.isInteger(o.maxSessions) || o.maxSessions < 1) throw new OrchError('usage', `invalid --max-sessions ${o.maxSessions}: give a whole number ≥ 1`);
};
