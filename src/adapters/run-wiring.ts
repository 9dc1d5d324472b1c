import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CoreDeps } from '../core/deps.ts';
import { OrchError } from '../core/errors.ts';
import { createRedactor } from '../core/redact.ts';
import type { RunPorts, RunProgress } from '../core/run/types.ts';
import { createClaudeCodeAdapter } from './agents/claude-code.ts';
import { createCommandAdapter } from './agents/command.ts';
import type { AgentAdapter } from './agents/types.ts';
import type { RepoInfo } from './git/repo.ts';
import { genaiPriceTable } from './prices/genai-prices.ts';
import { transcriptCost } from './agents/transcript-cost.ts';
import { runProjectGates } from './gates/project-gates.ts';
import { openBriefTracker } from './brief/tracker-config.ts';
import { gitHistory } from './git/history.ts';
import { reviewGate } from './review/wiring.ts';
import { logsDir } from './run-state.ts';
import { AGENT_STOP_SIGNALS, StopSignals } from './process/run.ts';

/**
 * Grace between SIGINT, SIGTERM and SIGKILL when orch stops an agent (budget spent, user stop).
 * Two graces of 500 ms reach SIGKILL after 1 s, as the old SIGTERM → SIGKILL stop did: a convoy
 * worker, itself stopped with SIGTERM and SIGKILL 2 s later, still outlives its agent.
 */
export const DEFAULT_AGENT_STOP_GRACE_MS = 500;

/** The grace from `ORCH_AGENT_STOP_GRACE_MS` (ms) when it is a number ≥ 0, else the default. */
export function agentStopGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.ORCH_AGENT_STOP_GRACE_MS?.trim();
  const n = raw ? Number(raw) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_AGENT_STOP_GRACE_MS;
}

export type AgentChoice = { name: 'claude'; bin?: string } | { name: 'command'; command: string; costField?: string };

export function createAgent(choice: AgentChoice): AgentAdapter {
  switch (choice.name) {
    case 'claude':
      return createClaudeCodeAdapter({ prices: genaiPriceTable(), ...(choice.bin ? { bin: choice.bin } : {}) });
    case 'command':
      // The user's own command line, run by the shell as they wrote it (like a gate command).
      return createCommandAdapter({ command: ['sh', '-c', choice.command], ...(choice.costField ? { costField: choice.costField } : {}) });
  }
}

export function parseAgentChoice(name: string, command: string | undefined, costField: string | undefined): AgentChoice {
  if (name === 'claude') return { name };
  if (name === 'command') {
    if (!command?.trim()) throw new OrchError('usage', '--agent command needs --command "<the agent command line>"');
    return { name, command, ...(costField ? { costField } : {}) };
  }
  throw new OrchError('usage', `unknown agent ${JSON.stringify(name)}: use claude or command`);
}

/** Values of credential variables are redacted wherever they appear in stored text. */
export function credentialValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v !== undefined && /(KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?)$/i.test(k))
    .map(([, v]) => v!);
}

export function runPorts(o: {
  deps: CoreDeps;
  repo: RepoInfo;
  agent: AgentAdapter;
  env: NodeJS.ProcessEnv;
  epicId: string;
  stop: AbortSignal;
  gates: boolean;
  onProgress?: (p: RunProgress) => void;
  /** Grace between the agent's stop signals; default from ORCH_AGENT_STOP_GRACE_MS, else 500 ms. */
  agentStopGraceMs?: number;
}): RunPorts {
  const grace = o.agentStopGraceMs ?? agentStopGraceMs(o.env);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(logsDir(o.repo), { recursive: true });
  const prices = genaiPriceTable();
  return {
    deps: o.deps,
    history: gitHistory(o.repo.top),
    briefTracker: () => openBriefTracker(o.repo.top),
    review: async () => {
      const g = await reviewGate(o.deps, o.repo, o.epicId, null, { env: o.env, signal: o.stop });
      return { ok: g.ok, reason: g.ok ? '' : `the review blocked it: ${g.reason}` };
    },
    ...(o.gates ? { runGates: () => runProjectGates(o.repo.top, o.deps.clock, { signal: o.stop }) } : {}),
    ...(o.agent.name === 'claude-code' ? { recoverCost: (id: string) => transcriptCost(o.env, id, prices) } : {}),
    agent: o.agent,
    cwd: o.repo.top,
    env: o.env,
    logFile: (n) => path.join(logsDir(o.repo), `${o.epicId}-${stamp}-session-${n}.jsonl`),
    prices,
    redactor: createRedactor({ values: credentialValues(o.env) }),
    newAgentSessionId: randomUUID,
    stop: o.stop,
    agentStopReason: (why) => new StopSignals(AGENT_STOP_SIGNALS, grace, why === 'budget' ? 'budget spent' : 'stopped by the user'),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  };
}
