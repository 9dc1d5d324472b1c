import type { AgentEvent, AgentOutcome } from '../../adapters/agents/types.ts';
import type { OrchestrationContext } from '../../schema/context.ts';
import { EVENT } from '../../schema/events.ts';
import { budgetStatus, shouldWarn, usd } from '../budget.ts';
import { redactLine } from '../redact.ts';
import { decideCheckpoint, msUntilInterval, type PolicyState } from '../policy.ts';
import { writeCheckpoint, type EventInput } from '../session/checkpoint.ts';
import { warnOnce } from '../session/start.ts';
import type { Session } from '../session/types.ts';
import { ORCH_SYSTEM_PROMPT } from './prompt.ts';
import { serial } from './serial.ts';
import type { RunOptions, RunPorts } from './types.ts';

export interface SessionRunInput {
  session: Session;
  context: OrchestrationContext;
  prompt: string;
  /** Epic spend before this session (measured). */
  spentBefore: number;
  budget: number | null;
  agentSession: { mode: 'new'; id: string } | { mode: 'resume'; id: string; previousCumulativeCostUsd: number | null };
  /**
   * The epic's budget as this session started, for the 80 % warning while the session runs: it fires
   * once when the epic's measured spend plus this session's running estimate crosses `warnAt`.
   */
  epicBudget?: { budget: number | null; spent: number; warnAt: number; warnedForBudget: number | null };
}

export interface SessionRunResult {
  outcome: AgentOutcome;
  context: OrchestrationContext;
  /** Events not yet stored: the caller writes them with the session's final checkpoint. */
  pending: EventInput[];
  /** orch stopped the agent because the running estimate reached the budget. */
  budgetStop: boolean;
}

const MAX_UNPARSED = 20;

const clip = (s: string, n = 2000): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * One agent session: launch, record what matters, checkpoint on the policy's timer and cost
 * threshold, stop the agent when the running estimate reaches the budget.
 */
export async function runAgentSession(ports: RunPorts, opts: RunOptions, input: SessionRunInput): Promise<SessionRunResult> {
  const { deps } = ports;
  const { session } = input;
  let context = input.context;
  const pending: EventInput[] = [];
  const write = serial();
  const started = deps.clock.now().getTime();
  const policyState: PolicyState = { lastCheckpointAt: deps.clock.now(), costThresholdFiredFor: null };
  const estimates = new Map<string, number>(); // message id → largest estimate seen
  const unpriced = new Set<string>(); // message ids the price table could not price
  const bashById = new Map<string, string>();
  let turns = 0;
  let unparsed = 0;
  let pid: number | null = null;
  let budgetStop = false;
  // orch stops the agent for two reasons (budget, the user); the reason tells the process adapter how.
  const agentAbort = new AbortController();
  const stopAgent = (why: 'budget' | 'stopped'): void => {
    if (!agentAbort.signal.aborted) agentAbort.abort(ports.agentStopReason?.(why));
  };
  const onUserStop = (): void => stopAgent('stopped');
  const remaining = input.budget === null ? null : Math.max(0, input.budget - input.spentBefore);
  const estimate = (): number => usd([...estimates.values()].reduce((a, b) => a + b, 0));
  const record = (e: EventInput): void => {
    pending.push(ports.redactor.redactDeep(e));
  };

  // The context's costs stay measured figures; the cost so far rides along as a marked estimate.
  const checkpoint = (trigger: 'interval' | 'cost_threshold', reason: string): Promise<void> =>
    write(async () => {
      const sofar = estimate();
      const epicSpent = input.epicBudget ? usd(input.epicBudget.spent + sofar) : null;
      const events = [
        ...pending.splice(0),
        // A marked estimate from streamed usage × the price table; the agent's own figure is charged at its result.
        { type: EVENT.costEstimate, amount: sofar, epicSpent, messages: estimates.size, unpricedMessages: unpriced.size, charged: false, source: 'streamed usage × price table' },
      ];
      const text = `${reason}; cost so far ≈ $${sofar.toFixed(6)} (estimate from streamed usage${unpriced.size ? `, ${unpriced.size} call(s) unpriced` : ''}; not charged)`;
      const c = await writeCheckpoint(deps, session, context, { trigger, reason: text, events });
      policyState.lastCheckpointAt = deps.clock.now();
      ports.onProgress?.({ kind: 'checkpoint', sessionNumber: session.number, id: c.id, trigger, estimateUsd: sofar });
    });

  // The 80 % warning while the session runs, once: warnOnce records it for the budget, so neither the
  // end of this session nor a later one repeats it.
  let warnChecked = false;
  let warning: Promise<void> = Promise.resolve();
  const considerWarning = (): void => {
    const w = input.epicBudget;
    if (warnChecked || !w || w.budget === null) return;
    const status = budgetStatus(w.budget, [{ costUsd: w.spent + estimate() }]);
    if (!shouldWarn(status, w.warnAt, w.warnedForBudget)) return;
    warnChecked = true;
    warning = warnOnce(deps, session.epicId, status).then(
      (text) => {
        if (text) ports.onProgress?.({ kind: 'warning', message: `${text} (running estimate, session ${session.number} still running)` });
      },
      (e: unknown) => record({ type: EVENT.note, kind: 'tried', text: `budget warning not recorded: ${String(e)}` }),
    );
  };

  const consider = (): void => {
    const d = decideCheckpoint(opts.policy, policyState, deps.clock.now(), { spent: input.spentBefore + estimate(), budget: input.budget });
    if (!d.checkpoint || (d.trigger !== 'interval' && d.trigger !== 'cost_threshold')) return;
    if (d.trigger === 'cost_threshold') policyState.costThresholdFiredFor = input.budget;
    policyState.lastCheckpointAt = deps.clock.now(); // no second timer fire while this one writes
    void checkpoint(d.trigger, d.reason).catch((e: unknown) => record({ type: EVENT.note, kind: 'tried', text: `checkpoint failed: ${String(e)}` }));
  };
  // A real timer for the interval trigger (the policy decides; the timer only wakes us up).
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer = setTimeout(() => {
      consider();
      arm();
    }, Math.max(1000, msUntilInterval(opts.policy, policyState, deps.clock.now())));
  };
  if (opts.policy.intervalMinutes > 0) arm();

  const onEvent = (e: AgentEvent): void => {
    switch (e.type) {
      case 'tool_use':
        turns++;
        if (e.name === 'Bash' && typeof (e.input as { command?: unknown })?.command === 'string') bashById.set(e.id, (e.input as { command: string }).command);
        break;
      case 'tool_result':
        if (e.isError) record({ type: EVENT.agentToolError, tool: bashById.has(e.toolUseId) ? 'Bash' : 'tool', command: bashById.get(e.toolUseId) ?? null, error: clip(e.content, 500) });
        break;
      case 'usage': {
        const p = ports.prices.price(e.model, e.usage);
        if (p.usd !== null) {
          estimates.set(e.messageId, Math.max(estimates.get(e.messageId) ?? 0, p.usd));
          unpriced.delete(e.messageId);
        } else if (!estimates.has(e.messageId)) unpriced.add(e.messageId);
        consider();
        considerWarning();
        if (remaining !== null && estimate() >= remaining && !budgetStop) {
          budgetStop = true;
          stopAgent('budget');
        }
        break;
      }
      case 'unparsed':
        if (++unparsed <= MAX_UNPARSED) record({ type: EVENT.agentUnparsed, line: clip(e.line, 500) });
        break;
      case 'init':
      case 'text':
      case 'api_retry':
      case 'result':
      case 'stderr':
        break;
    }
    ports.onProgress?.({ kind: 'agent', sessionNumber: session.number, event: e, turns, spentEstimate: input.spentBefore + estimate(), budget: input.budget, elapsedMs: deps.clock.now().getTime() - started, pid });
  };

  record({ type: EVENT.agentLaunched, agent: ports.agent.name, agentSessionId: input.agentSession.id, resume: input.agentSession.mode === 'resume', model: opts.model ?? null });
  if (ports.stop.aborted) onUserStop();
  else ports.stop.addEventListener('abort', onUserStop, { once: true });
  const logFile = ports.logFile(session.number);
  let outcome: AgentOutcome;
  try {
    outcome = await ports.agent.launch({
      prompt: input.prompt,
      cwd: ports.cwd,
      env: ports.env,
      limits: {
        ...(remaining !== null ? { maxBudgetUsd: Number(remaining.toFixed(6)) } : {}),
        ...(opts.maxTurns !== undefined ? { maxTurns: opts.maxTurns } : {}),
        ...(opts.sessionTimeoutMs !== undefined ? { timeoutMs: opts.sessionTimeoutMs } : {}),
        ...(opts.stallMs !== undefined ? { stallMs: opts.stallMs } : {}),
      },
      agentSession: input.agentSession,
      appendSystemPrompt: ORCH_SYSTEM_PROMPT,
      ...(opts.allowedTools ? { allowedTools: opts.allowedTools } : {}),
      ...(opts.model ? { model: opts.model } : {}),
      signal: agentAbort.signal,
      onEvent,
      onSpawn: (p) => (pid = p),
      ...(logFile ? { logFile, logLine: (line: string) => redactLine(ports.redactor, line) } : {}),
    });
  } finally {
    ports.stop.removeEventListener('abort', onUserStop);
    if (timer) clearTimeout(timer);
  }
  await warning;
  await write(() => Promise.resolve()); // let an in-flight interval checkpoint finish first
  context = { ...context, agentSessionId: outcome.agentSessionId ?? context.agentSessionId };
  return { outcome, context, pending, budgetStop };
}
