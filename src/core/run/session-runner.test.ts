import { EVENT } from '../../schema/events.ts';
import { describe, expect, it } from 'vitest';
import type { AgentAdapter, AgentOutcome, LaunchRequest } from '../../adapters/agents/types.ts';
import { systemClock } from '../../adapters/clock.ts';
import { sequentialIds } from '../../adapters/ids.ts';
import { MemoryCheckpointStore } from '../../adapters/store/memory-store.ts';
import type { GitState } from '../../schema/checkpoint.ts';
import type { CoreDeps } from '../deps.ts';
import { DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from '../policy.ts';
import { nullSink } from '../ports.ts';
import type { PriceTable } from '../prices/price-table.ts';
import { createRedactor } from '../redact.ts';
import { runEpic } from './run-epic.ts';
import type { AgentStopCause, RunOptions, RunPorts, RunProgress } from './types.ts';

/** $1 per million input tokens: 100 000 tokens are $0.10. */
const prices: PriceTable = { price: (_m, u) => ({ usd: u.inputTokens / 1e6, source: 'override' }) };
const GIT: GitState = { head: 'abc', branch: 'main', snapshotTree: 'tree1', excluded: [], changed: ['a.txt'] };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Step {
  /** Input tokens of one streamed model call (priced at $1 / M). */
  tokens?: number;
  waitMs?: number;
}

/**
 * A scripted agent: streams usage for each step, waits, and ends with a result charging what it
 * streamed, unless orch aborts it first (then the abort reason is kept for the test to read).
 */
function scriptedAgent(sessions: Step[][], doneText = 'working'): AgentAdapter & { reasons: unknown[] } {
  let n = 0;
  const reasons: unknown[] = [];
  return {
    name: 'scripted',
    reasons,
    check: () => Promise.resolve({ version: null }),
    async launch(req: LaunchRequest): Promise<AgentOutcome> {
      const steps = sessions[n++] ?? [];
      let cost = 0;
      let i = 0;
      for (const s of steps) {
        if (req.signal?.aborted) break;
        if (s.tokens !== undefined) {
          cost += s.tokens / 1e6;
          req.onEvent?.({ type: 'usage', messageId: `msg_${n}_${i++}`, model: 'm', usage: { inputTokens: s.tokens, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 } });
        }
        if (s.waitMs !== undefined) await sleep(s.waitMs);
      }
      const aborted = req.signal?.aborted === true;
      if (aborted) reasons.push(req.signal!.reason);
      const outcome: AgentOutcome = {
        ok: !aborted,
        subtype: aborted ? 'aborted' : 'success',
        agentSessionId: req.agentSession.id,
        costUsd: Math.round(cost * 1e6) / 1e6,
        cumulativeCostUsd: null,
        modelUsage: {},
        numTurns: 1,
        durationMs: 1,
        resultText: doneText,
        errors: [],
        permissionDenials: [],
        exitCode: aborted ? null : 0,
        signal: null,
        failure: aborted ? 'aborted' : null,
      };
      req.onEvent?.({ type: 'result', outcome });
      return outcome;
    },
  };
}

function rig(agent: AgentAdapter, o: { stop?: AbortSignal; runGates?: RunPorts['runGates'] } = {}) {
  const deps: CoreDeps = { store: new MemoryCheckpointStore(), workspace: { snapshot: () => Promise.resolve(GIT) }, clock: systemClock, ids: sequentialIds(), events: nullSink };
  const progress: RunProgress[] = [];
  const ports: RunPorts = {
    deps,
    agent,
    cwd: '/nowhere',
    env: {},
    logFile: () => null,
    prices,
    redactor: createRedactor(),
    newAgentSessionId: () => 'agent-session',
    stop: o.stop ?? new AbortController().signal,
    agentStopReason: (why: AgentStopCause) => ({ stopFor: why }),
    onProgress: (p) => progress.push(p),
    ...(o.runGates ? { runGates: o.runGates } : {}),
  };
  return { deps, ports, progress };
}

const options = (o: Partial<RunOptions> & { policy?: CheckpointPolicy } = {}): RunOptions => ({
  epicId: 'e',
  task: 'do it',
  maxSessions: 1,
  resumeAgent: false,
  maxConsecutiveFailures: 3,
  policy: { ...DEFAULT_CHECKPOINT_POLICY, intervalMinutes: 60 },
  ...o,
});

describe('orch run: checkpoints while the agent runs carry the cost so far', () => {
  it('an interval checkpoint records the running estimate (marked, not charged); the end checkpoint has the snapshot', async () => {
    const agent = scriptedAgent([[{ tokens: 100_000 }, { waitMs: 1600 }]], 'ORCH_DONE');
    const { deps, ports } = rig(agent);
    // 0.01 min = 600 ms; the runner's timer wakes at most once a second.
    const report = await runEpic(ports, options({ budget: 10, policy: { ...DEFAULT_CHECKPOINT_POLICY, intervalMinutes: 0.01 } }));
    expect(report.stopReason).toBe('done');
    const cps = (await deps.store.listCheckpoints('e')).checkpoints.reverse();
    const triggers = cps.map((c) => c.trigger);
    expect(triggers[0]).toBe('session_start');
    expect(triggers.slice(-2)).toEqual(['agent_result', 'end']);
    const interval = cps.filter((c) => c.trigger === 'interval');
    expect(interval.length).toBeGreaterThan(0);
    expect(interval[0]!.reason).toMatch(/cost so far ≈ \$0\.100000 \(estimate from streamed usage; not charged\)/);
    expect(interval[0]!.context.sessionCost).toBe(0); // the measured figure comes with the result
    expect(interval[0]!.git).toEqual(GIT);
    const estimates = (await deps.store.readEvents('e')).filter((ev) => ev.type === EVENT.costEstimate);
    expect(estimates.length).toBe(interval.length);
    expect(estimates[0]).toMatchObject({ amount: 0.1, epicSpent: 0.1, messages: 1, unpricedMessages: 0, charged: false });
    // agent_result has no snapshot (the end follows at once); the end checkpoint always has one.
    expect(cps.at(-2)!.git).toBeNull();
    expect(cps.at(-1)!.git).toEqual(GIT);
    expect(cps.at(-1)!.context.sessionCost).toBeCloseTo(0.1, 6);
  });

  it('the cost-threshold checkpoint fires on the streamed estimate and records it', async () => {
    const agent = scriptedAgent([[{ tokens: 50_000 }, { tokens: 50_000 }, { waitMs: 50 }]], 'ORCH_DONE');
    const { deps, ports } = rig(agent);
    await runEpic(ports, options({ budget: 0.12 }));
    const cps = (await deps.store.listCheckpoints('e')).checkpoints.reverse();
    const threshold = cps.filter((c) => c.trigger === 'cost_threshold');
    expect(threshold).toHaveLength(1);
    expect(threshold[0]!.reason).toMatch(/^80 % of the \$0\.12 budget spent; cost so far ≈ \$0\.100000/);
  });

  it('when the gates throw after the agent result, the session still ends with a snapshot checkpoint', async () => {
    const agent = scriptedAgent([[{ tokens: 1000 }]], 'ORCH_DONE');
    let calls = 0;
    const { deps, ports } = rig(agent, {
      runGates: () => {
        if (++calls === 2) return Promise.reject(new Error('gate runner broke'));
        return Promise.resolve(null);
      },
    });
    await expect(runEpic(ports, options())).rejects.toThrow(/gate runner broke/);
    const last = (await deps.store.listCheckpoints('e')).checkpoints[0]!;
    expect(last).toMatchObject({ trigger: 'error', status: 'failed', git: GIT });
    expect(last.reason).toMatch(/could not finish the session after the agent's result: gate runner broke/);
  });
});

describe('orch run: the 80 % budget warning', () => {
  it('fires once while the session runs when the running estimate crosses 80 % of the epic budget, never again later', async () => {
    // Session 1 crosses 80 % mid-session ($0.85 of $1); session 2 spends more: no second warning.
    const agent = scriptedAgent([[{ tokens: 850_000 }, { waitMs: 200 }], [{ tokens: 50_000 }, { waitMs: 50 }]]);
    const { deps, ports, progress } = rig(agent);
    const report = await runEpic(ports, options({ budget: 1, maxSessions: 2 }));
    expect(report.sessions.map((s) => s.status)).toEqual(['completed', 'completed']);
    const warnings = progress.flatMap((p, i) => (p.kind === 'warning' ? [{ i, message: p.message }] : []));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/has used 85 % of its \$1\.00 budget.*running estimate, session 1 still running/);
    // Before the agent's result: inside the session, not at its end.
    const firstResult = progress.findIndex((p) => p.kind === 'agent' && p.event.type === 'result');
    expect(warnings[0]!.i).toBeLessThan(firstResult);
    const stored = (await deps.store.readEpicEvents('e')).filter((e) => e.type === 'budget.warning');
    expect(stored).toHaveLength(1);
    expect((await deps.store.getEpic('e'))?.warnedForBudget).toBe(1);
  });

  it('below 80 % during the session: no warning', async () => {
    const agent = scriptedAgent([[{ tokens: 500_000 }]]);
    const { ports, progress } = rig(agent);
    await runEpic(ports, options({ budget: 1 }));
    expect(progress.filter((p) => p.kind === 'warning')).toEqual([]);
  });
});

describe('orch run: how the agent is stopped', () => {
  it('at the budget the agent is aborted with the budget stop reason (the adapter turns it into SIGINT → SIGTERM → SIGKILL)', async () => {
    const agent = scriptedAgent([[{ tokens: 600_000 }, { waitMs: 100 }, { tokens: 100_000 }]]);
    const { ports } = rig(agent);
    const report = await runEpic(ports, options({ budget: 0.5 }));
    expect(report.stopReason).toBe('budget_exceeded');
    expect(agent.reasons).toEqual([{ stopFor: 'budget' }]);
  });

  it('a user stop reaches the agent with the user stop reason', async () => {
    const agent = scriptedAgent([[{ tokens: 1000 }, { waitMs: 300 }, { waitMs: 300 }]]);
    const stop = new AbortController();
    const { ports } = rig(agent, { stop: stop.signal });
    setTimeout(() => stop.abort(), 100);
    const report = await runEpic(ports, options({ budget: 5 }));
    expect(report.stopReason).toBe('stopped');
    expect(agent.reasons).toEqual([{ stopFor: 'stopped' }]);
  });
});
