import type { Clock } from '../../core/ports.ts';
import type { GatePlan, PlannedGate } from '../../core/gates/plan.ts';
import { cleanOutput, parseTestOutput, tailText } from '../../core/gates/parse/index.ts';
import { GATE_RUN_SCHEMA_VERSION, type GateResult, type GateRun, type GateStatus } from '../../schema/gate-run.ts';
import { run, type RunResult } from '../process/run.ts';

export type GateEvent =
  | { type: 'gate_start'; name: string; command: string[]; index: number; total: number }
  | { type: 'gate_spawn'; name: string; pid: number }
  | { type: 'gate_end'; result: GateResult };

export interface RunGatesOptions {
  cwd: string;
  /** Base environment (default: this process's); CI=1 and NO_COLOR=1 are always added. */
  env?: NodeJS.ProcessEnv;
  clock: Clock;
  signal?: AbortSignal;
  onEvent?: (event: GateEvent) => void;
  /** HEAD sha to record; undefined asks git, null records none. */
  head?: string | null;
  /** SIGTERM → SIGKILL grace when a gate times out (default 1 s). */
  killGraceMs?: number;
}

export const OUTPUT_TAIL_CHARS = 4096;
const PARSE_WINDOW_BYTES = 2 << 20; // enough for a verbose test run; older output is dropped first

/** stdout and stderr lines in arrival order, bounded by bytes (oldest dropped). */
class CombinedLines {
  private lines: string[] = [];
  private bytes = 0;
  push = (line: string): void => {
    this.lines.push(line);
    this.bytes += line.length + 1;
    while (this.bytes > PARSE_WINDOW_BYTES && this.lines.length > 1) this.bytes -= (this.lines.shift() ?? '').length + 1;
  };
  text(): string {
    return this.lines.join('\n');
  }
}

/** Gates run as CI would: no colors to parse around, no fix-ups, no bytecode or caches written. */
export function gateEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, CI: '1', NO_COLOR: '1', PYTHONDONTWRITEBYTECODE: '1' };
  delete env.FORCE_COLOR; // it overrides NO_COLOR in most tools
  return env;
}

function classify(gate: PlannedGate, r: RunResult, output: string): { status: GateStatus; reason?: string } {
  const bin = gate.command[0] ?? '';
  if (r.spawnError) {
    const code = r.spawnError.code ?? r.spawnError.message;
    return { status: 'error', reason: code === 'ENOENT' ? `command not found: ${bin}` : `cannot run ${bin}: ${code}` };
  }
  if (r.timedOut) return { status: 'timeout', reason: `killed after ${gate.timeoutMs} ms` };
  if (r.aborted) return { status: 'error', reason: 'cancelled' };
  if (r.exitCode === 0) return { status: 'pass' };
  // A shell (or a script runner such as npm) exits 127 when the command it was told to run does not exist.
  if (r.exitCode === 127) {
    const said = output.split('\n').reverse().find((l) => /not found|No such file/i.test(l));
    return { status: 'error', reason: said ? `command not found: ${said.trim()}` : 'command not found (exit 127)' };
  }
  if (r.exitCode === 126) return { status: 'error', reason: 'command cannot be executed (exit 126)' };
  return { status: 'fail' };
}

function skipped(gate: PlannedGate, reason: string): GateResult {
  const { name, command, mode, timeoutMs, parser } = gate;
  return { name, command, mode, status: 'skipped', exitCode: null, signal: null, durationMs: 0, timeoutMs, outputTail: '', parser, failingTests: [], reason };
}

async function runOne(gate: PlannedGate, opts: RunGatesOptions, env: NodeJS.ProcessEnv): Promise<GateResult> {
  const [bin, ...args] = gate.command;
  if (bin === undefined) return { ...skipped(gate, 'empty command'), status: 'error' };
  const lines = new CombinedLines();
  const r = await run(bin, args, {
    cwd: opts.cwd,
    env,
    timeoutMs: gate.timeoutMs,
    killGraceMs: opts.killGraceMs ?? 1000,
    maxBuffer: 1 << 16, // the combined line buffer is what we keep
    onStdoutLine: lines.push,
    onStderrLine: lines.push,
    onSpawn: (pid) => opts.onEvent?.({ type: 'gate_spawn', name: gate.name, pid }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const text = cleanOutput(lines.text());
  const { status, reason } = classify(gate, r, text);
  const parsed = r.spawnError ? undefined : parseTestOutput(text, gate.parser);
  const result: GateResult = {
    name: gate.name,
    command: gate.command,
    mode: gate.mode,
    status,
    exitCode: r.spawnError ? null : r.exitCode, // node reports -errno (e.g. -2) as the code of a failed spawn
    signal: r.signal,
    durationMs: r.durationMs,
    timeoutMs: gate.timeoutMs,
    outputTail: tailText(text.trimEnd(), OUTPUT_TAIL_CHARS),
    parser: parsed?.runner ?? gate.parser,
    failingTests: parsed?.failingTests ?? [],
  };
  if (parsed?.counts) result.counts = parsed.counts;
  if (reason !== undefined) result.reason = reason;
  return result;
}

async function gitHead(cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd, env, timeoutMs: 10_000 });
  const sha = r.stdout.trim();
  return r.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
}

/** Run the planned gates one after another, each in its own process group. Never throws for a gate outcome. */
export async function runGates(plan: GatePlan, opts: RunGatesOptions): Promise<GateRun> {
  const startedAt = opts.clock.now().toISOString();
  const env = gateEnv(opts.env ?? process.env);
  const head = opts.head === undefined ? await gitHead(opts.cwd, opts.env ?? process.env) : (opts.head ?? undefined);
  const results: GateResult[] = [];
  for (const [index, gate] of plan.gates.entries()) {
    let result: GateResult;
    if (!gate.enabled) result = skipped(gate, 'disabled');
    else if (opts.signal?.aborted) result = skipped(gate, 'cancelled');
    else {
      opts.onEvent?.({ type: 'gate_start', name: gate.name, command: gate.command, index, total: plan.gates.length });
      result = await runOne(gate, opts, env);
    }
    results.push(result);
    opts.onEvent?.({ type: 'gate_end', result });
  }
  const ok = !results.some((r) => r.mode === 'required' && (r.status === 'fail' || r.status === 'error' || r.status === 'timeout'));
  const finishedAt = opts.clock.now().toISOString();
  return { schemaVersion: GATE_RUN_SCHEMA_VERSION, startedAt, finishedAt, cwd: opts.cwd, ...(head !== undefined ? { head } : {}), ok, results };
}
