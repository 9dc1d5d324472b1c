import { createWriteStream, type WriteStream } from 'node:fs';
import { OrchError } from '../../core/errors.ts';
import { run, type RunResult } from '../process/run.ts';
import { CLAUDE_INSTALL_HINT, resolveClaudeBin } from './claude-code-bin.ts';
import type { PriceTable } from '../../core/prices/price-table.ts';
import { chargeFor, readRestoredCost, repriceUnknown } from './claude-code-cost.ts';
import { parseStreamJsonLine, type ClaudeResult } from './stream-json.ts';
import type { AgentAdapter, AgentEvent, AgentOutcome, LaunchRequest } from './types.ts';

export interface ClaudeCodeOptions {
  /** Path to `claude` from config; otherwise ORCH_CLAUDE_BIN, the packaged binary, PATH. */
  bin?: string;
  /** SIGTERM → SIGKILL grace when stopping a timed-out or stalled agent. */
  killGraceMs?: number;
  /** orch's own prices, for models Claude Code prices at a default rate (cost basis unknown). */
  prices?: PriceTable;
}

/** argv for one headless run; the prompt goes on stdin so no variadic option can swallow it. */
export function buildClaudeArgs(req: Omit<LaunchRequest, 'prompt' | 'cwd' | 'env'>): string[] {
  const args = ['-p', '--output-format', 'stream-json', '--verbose'];
  const s = req.agentSession;
  if (s.mode === 'new') args.push('--session-id', s.id);
  else args.push('--resume', s.id);
  if (req.limits.maxBudgetUsd !== undefined) args.push('--max-budget-usd', String(req.limits.maxBudgetUsd));
  if (req.limits.maxTurns !== undefined) args.push('--max-turns', String(req.limits.maxTurns));
  if (req.model !== undefined) args.push('--model', req.model);
  if (req.appendSystemPrompt !== undefined) args.push('--append-system-prompt', req.appendSystemPrompt);
  if (req.jsonSchema !== undefined) args.push('--json-schema', JSON.stringify(req.jsonSchema));
  // One argv element per tool: patterns such as `Bash(git *)` contain spaces.
  if (req.allowedTools !== undefined && req.allowedTools.length > 0) args.push('--allowedTools', ...req.allowedTools);
  return args;
}

export function createClaudeCodeAdapter(opts: ClaudeCodeOptions = {}): AgentAdapter {
  return {
    name: 'claude-code',
    async check(cwd, env) {
      const bin = resolveClaudeBin(env, opts.bin);
      const r = await run(bin, ['--version'], { cwd, env, timeoutMs: 20_000 });
      const version = /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? null;
      if (r.spawnError !== undefined || r.exitCode !== 0 || version === null) {
        // The npm package without its platform binary installs a launcher that cannot run: caught here.
        throw new OrchError('agent_missing', `Claude Code at ${bin} does not run: ${(r.stderr || r.stdout || String(r.spawnError)).trim().slice(0, 200)}`, {
          hint: CLAUDE_INSTALL_HINT,
        });
      }
      return { version };
    },
    launch: (req) => launchClaude(req, opts),
  };
}

async function launchClaude(req: LaunchRequest, opts: ClaudeCodeOptions): Promise<AgentOutcome> {
  const bin = resolveClaudeBin(req.env, opts.bin);
  const session = req.agentSession;
  const restored = session.mode === 'resume' ? readRestoredCost(req.env, session.id) : null;
  const log: WriteStream | null = req.logFile === undefined ? null : createWriteStream(req.logFile, { flags: 'a' });
  let logError: Error | null = null;
  // An unwritable log must not crash or stop the agent; it is reported with the outcome.
  log?.on('error', (e) => (logError = e));
  const emit = (e: AgentEvent): void => req.onEvent?.(e);
  let result: ClaudeResult | null = null;
  let sessionId: string | null = session.id;

  const stall = stallWatch(req.limits.stallMs, req.limits.toolStallMs);
  const signal = req.signal ? AbortSignal.any([req.signal, stall.signal]) : stall.signal;
  const r = await run(bin, buildClaudeArgs(req), {
    cwd: req.cwd,
    env: req.env,
    input: req.prompt,
    signal,
    ...(req.limits.timeoutMs !== undefined ? { timeoutMs: req.limits.timeoutMs } : {}),
    ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
    ...(req.onSpawn ? { onSpawn: req.onSpawn } : {}),
    onStdoutLine: (line) => {
      stall.touch();
      log?.write((req.logLine ? req.logLine(line) : line) + '\n');
      const parsed = parseStreamJsonLine(line);
      for (const e of parsed.events) {
        if (e.type === 'init' && e.agentSessionId !== '') sessionId = e.agentSessionId;
        if (e.type === 'tool_use') stall.toolStarted(e.id);
        if (e.type === 'tool_result') stall.toolEnded(e.toolUseId);
        emit(e);
      }
      if (parsed.result) result = parsed.result;
    },
    onStderrLine: (line) => { emit({ type: 'stderr', line }); },
  });
  stall.stop();
  // A log that failed to open is already closed: waiting for its 'close' would hang forever.
  if (log && !log.closed) {
    await new Promise<void>((resolve) => {
      log.once('close', resolve); // after finish, or after an error (autoDestroy)
      log.end();
    });
  }

  const charge = { resumed: session.mode === 'resume', restored, previousCumulative: session.mode === 'resume' ? session.previousCumulativeCostUsd : null };
  const built = buildOutcome(r, result, { stalled: stall.fired, stallMs: req.limits.stallMs, sessionId, charge });
  const outcome = opts.prices ? repriceUnknown(built, result, opts.prices) : built;
  if (logError !== null) outcome.errors.push(`log ${req.logFile ?? ''} not written: ${String(logError)}`);
  emit({ type: 'result', outcome });
  return outcome;
}

/** A tool call may run this long without output before it counts as a stall (Claude Code's Bash tool caps a command at 10 min). */
export const DEFAULT_TOOL_STALL_MS = 10 * 60_000;

/** Before its first line Claude Code starts up (settings, MCP servers, plugins): slow on a busy machine, not a stall. */
const STARTUP_STALL_MS = 30_000;

/**
 * Fires when no stdout arrived for `stallMs`; aborting makes the runner kill the process group.
 * Claude Code prints nothing while a tool runs (a test suite, a build), so while a tool call is
 * outstanding the allowance is `toolStallMs` instead: a slow tool is not a stalled model. Before
 * the first line it is at least STARTUP_STALL_MS.
 */
function stallWatch(
  stallMs: number | undefined,
  toolStallMs: number | undefined,
): { signal: AbortSignal; touch(): void; toolStarted(id: string): void; toolEnded(id: string): void; stop(): void; readonly fired: boolean } {
  const ac = new AbortController();
  const openTools = new Set<string>();
  let last = Date.now();
  let started = false;
  let fired = false;
  const allowance = (): number => {
    if (!started) return Math.max(stallMs ?? 0, STARTUP_STALL_MS);
    return openTools.size > 0 ? Math.max(stallMs ?? 0, toolStallMs ?? DEFAULT_TOOL_STALL_MS) : (stallMs ?? 0);
  };
  const timer =
    stallMs === undefined
      ? undefined
      : setInterval(() => {
          if (Date.now() - last < allowance()) return;
          fired = true;
          clearInterval(timer);
          ac.abort();
        }, Math.max(20, Math.min(1000, Math.floor(stallMs / 4))));
  return {
    signal: ac.signal,
    touch: () => {
      last = Date.now();
      started = true;
    },
    toolStarted: (id) => openTools.add(id),
    toolEnded: (id) => openTools.delete(id),
    stop: () => { clearInterval(timer); },
    get fired() {
      return fired;
    },
  };
}

interface OutcomeContext {
  stalled: boolean;
  stallMs: number | undefined;
  sessionId: string | null;
  charge: Parameters<typeof chargeFor>[1];
}

export function buildOutcome(r: RunResult, result: ClaudeResult | null, ctx: OutcomeContext): AgentOutcome {
  const failure: AgentOutcome['failure'] = r.spawnError !== undefined
    ? 'spawn_failed'
    : ctx.stalled
      ? 'stalled'
      : r.timedOut
        ? 'timeout'
        : r.aborted
          ? 'aborted'
          : result !== null
            ? null
            : r.exitCode === 0
              ? 'no_result'
              : 'crashed';
  const errors = [...(result?.errors ?? [])];
  // API errors come back as subtype "success" with is_error and the message in `result`.
  if (result?.is_error && errors.length === 0 && result.result !== undefined) errors.push(result.result);
  if (failure !== null) errors.push(failureMessage(failure, r, ctx.stallMs));
  const charge = result === null ? null : chargeFor(result, ctx.charge);
  const outcome: AgentOutcome = {
    ok: failure === null && result !== null && !result.is_error && result.subtype === 'success',
    subtype: result?.subtype ?? failure ?? 'unknown',
    agentSessionId: result?.session_id ?? ctx.sessionId,
    costUsd: charge?.costUsd ?? null,
    cumulativeCostUsd: charge?.cumulativeCostUsd ?? null,
    modelUsage: charge?.modelUsage ?? {},
    numTurns: result?.num_turns ?? null,
    durationMs: r.durationMs,
    resultText: result?.result ?? null,
    errors,
    permissionDenials: (result?.permission_denials ?? []).map((d) => ({ toolName: d.tool_name, input: d.tool_input })),
    exitCode: r.exitCode,
    signal: r.signal,
    failure,
  };
  if (result?.structured_output !== undefined) outcome.structuredOutput = result.structured_output;
  return outcome;
}

function failureMessage(failure: NonNullable<AgentOutcome['failure']>, r: RunResult, stallMs: number | undefined): string {
  const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
  switch (failure) {
    case 'spawn_failed':
      return `could not start claude: ${r.spawnError?.message ?? 'unknown error'}`;
    case 'stalled':
      return `no output for ${stallMs ?? '?'} ms: process group killed`;
    case 'timeout':
      return `timed out after ${r.durationMs} ms: process group killed`;
    case 'aborted':
      return 'aborted: process group killed';
    case 'no_result':
      return 'claude exited without a result line';
    case 'crashed':
      return `claude exited ${r.exitCode ?? r.signal} without a result${tail ? `: ${tail}` : ''}`;
  }
}
