import { createWriteStream } from 'node:fs';
import { OrchError } from '../../core/errors.ts';
import { run } from '../process/run.ts';
import type { AgentAdapter, AgentEvent, AgentOutcome, LaunchRequest } from './types.ts';

export interface CommandAgentOptions {
  /** argv of the agent; with `promptVia: 'arg'` the prompt is appended as the last argument. */
  command: readonly string[];
  promptVia?: 'stdin' | 'arg';
  /** Dot path of a cost field (USD) in a JSON line the agent prints, e.g. `usage.cost_usd`. */
  costField?: string;
}

function pick(obj: unknown, dotPath: string): unknown {
  return dotPath.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/**
 * Any CLI as the agent. Cost comes from a configured JSON field when the agent prints one;
 * otherwise it is unknown (null) — never recorded as 0.
 */
export function createCommandAdapter(o: CommandAgentOptions): AgentAdapter {
  const [bin, ...baseArgs] = o.command;
  if (!bin) throw new OrchError('config_invalid', 'the command agent needs a command', { hint: 'pass --command "<the agent command line>" with --agent command' });
  return {
    name: 'command',
    check: () => Promise.resolve({ version: null }),
    async launch(req: LaunchRequest): Promise<AgentOutcome> {
      const emit = (e: AgentEvent): void => req.onEvent?.(e);
      const log = req.logFile ? createWriteStream(req.logFile, { flags: 'a' }) : null;
      log?.on('error', () => undefined);
      let cost: number | null = null;
      const texts: string[] = [];
      let lastOutput = Date.now();
      const stall = new AbortController();
      const timer = req.limits.stallMs
        ? setInterval(() => {
            if (Date.now() - lastOutput > (req.limits.stallMs ?? 0)) stall.abort();
          }, 250)
        : undefined;
      const args = o.promptVia === 'arg' ? [...baseArgs, req.prompt] : baseArgs;
      const r = await run(bin, args, {
        cwd: req.cwd,
        env: { ...req.env, ORCH_AGENT_SESSION_ID: req.agentSession.id },
        ...(o.promptVia === 'arg' ? {} : { input: req.prompt }),
        ...(req.limits.timeoutMs !== undefined ? { timeoutMs: req.limits.timeoutMs } : {}),
        signal: req.signal ? AbortSignal.any([req.signal, stall.signal]) : stall.signal,
        ...(req.onSpawn ? { onSpawn: req.onSpawn } : {}),
        onStdoutLine: (line) => {
          lastOutput = Date.now();
          log?.write((req.logLine ? req.logLine(line) : line) + '\n');
          if (o.costField && line.trimStart().startsWith('{')) {
            try {
              const v = pick(JSON.parse(line), o.costField);
              if (typeof v === 'number' && Number.isFinite(v) && v >= 0) cost = (cost ?? 0) + v;
            } catch {
              /* not JSON after all: plain output */
            }
          }
          texts.push(line);
          emit({ type: 'text', text: line });
        },
        onStderrLine: (line) => {
          lastOutput = Date.now();
          emit({ type: 'stderr', line });
        },
      });
      if (timer) clearInterval(timer);
      log?.end();
      const failure = r.spawnError ? 'spawn_failed' : stall.signal.aborted ? 'stalled' : r.timedOut ? 'timeout' : r.aborted ? 'aborted' : r.exitCode !== 0 ? 'crashed' : null;
      const outcome: AgentOutcome = {
        ok: failure === null,
        subtype: failure ?? 'success',
        agentSessionId: req.agentSession.id,
        costUsd: cost,
        cumulativeCostUsd: null,
        modelUsage: {},
        numTurns: null,
        durationMs: r.durationMs,
        resultText: texts.slice(-20).join('\n') || null,
        errors: failure ? [r.spawnError ? `cannot run ${bin}: ${r.spawnError.message}` : `${failure}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`.trim()] : [],
        permissionDenials: [],
        exitCode: r.exitCode,
        signal: r.signal,
        failure,
      };
      emit({ type: 'result', outcome });
      return outcome;
    },
  };
}
