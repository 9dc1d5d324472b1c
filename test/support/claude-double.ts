import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startModelDouble, type ModelDouble } from '../../src/adapters/model-double/server.ts';
import { claudeDoubleEnv } from '../../src/adapters/model-double/claude-env.ts';
import type { ScenarioInput } from '../../src/adapters/model-double/scenario.ts';
import { createClaudeCodeAdapter } from '../../src/adapters/agents/claude-code.ts';
import type { AgentEvent, AgentOutcome, LaunchRequest } from '../../src/adapters/agents/types.ts';

/** $3 / $15 per million tokens: Claude Code's list price for the double's model. */
export const listPriceUsd = (input: number, output: number): number => (input * 3 + output * 15) / 1e6;

export interface ClaudeDoubleRig {
  double: ModelDouble;
  /** Temp project dir the agent works in. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  configDir: string;
  /** Launch the real `claude` against the double; a new session unless `agentSession` says otherwise. */
  launch(prompt: string, req?: Partial<LaunchRequest>): Promise<{ outcome: AgentOutcome; events: AgentEvent[]; pid: number | null }>;
  close(): Promise<void>;
}

/**
 * Model double + hermetic env + temp project for driving the real Claude Code CLI in tests.
 * `maxRetries: 0` by default so scripted 5xx answers end a run at once instead of backing off.
 */
export async function startClaudeDouble(
  scenarios: ScenarioInput | Record<string, ScenarioInput>,
  opts: { maxRetries?: number; extraEnv?: NodeJS.ProcessEnv } = {},
): Promise<ClaudeDoubleRig> {
  const double = await startModelDouble(scenarios);
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'orch-claude-cwd-')));
  const hermetic = claudeDoubleEnv({ baseUrl: double.url, maxRetries: opts.maxRetries ?? 0, ...(opts.extraEnv ? { extra: opts.extraEnv } : {}) });
  const adapter = createClaudeCodeAdapter({ killGraceMs: 500 });
  return {
    double,
    cwd,
    env: hermetic.env,
    configDir: hermetic.configDir,
    async launch(prompt, req = {}) {
      const events: AgentEvent[] = [];
      let pid: number | null = null;
      const outcome = await adapter.launch({
        prompt,
        cwd,
        env: hermetic.env,
        limits: { timeoutMs: 30_000 },
        agentSession: { mode: 'new', id: randomUUID() },
        ...req,
        onEvent: (e) => {
          events.push(e);
          req.onEvent?.(e);
        },
        onSpawn: (p) => {
          pid = p;
          req.onSpawn?.(p);
        },
      });
      return { outcome, events, pid };
    },
    async close() {
      await double.close();
      hermetic.cleanup();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/**
 * Members of a process group that are still alive. `process.kill(-pgid, 0)` is the fast check; when it
 * says "exists", /proc tells zombies (dead, waiting for PID 1 to reap them: this sandbox's PID 1 reaps
 * late) from processes that still run.
 */
export function liveGroupMembers(pgid: number): number[] {
  try {
    process.kill(-pgid, 0);
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may contain spaces, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') live.push(Number(entry));
  }
  return live;
}

/** Polls briefly: a SIGKILL sent as the runner returned may still be in flight. */
export async function groupGone(pgid: number, withinMs = 2000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (liveGroupMembers(pgid).length > 0) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
