import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Kill the whole process group after this many ms. */
  timeoutMs?: number;
  /** Grace between the stop signals (SIGTERM → SIGKILL by default). */
  killGraceMs?: number;
  /**
   * The signals a timeout or an abort sends to the group, in order, `killGraceMs` apart (default
   * SIGTERM, SIGKILL). An abort whose reason is a `StopSignals` uses that sequence instead.
   */
  stopSignals?: readonly NodeJS.Signals[];
  signal?: AbortSignal;
  /** Called for each complete stdout line (streaming consumers such as agent adapters). */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Keep at most this many bytes of each stream (the tail). Default 1 MiB. */
  maxBuffer?: number;
  /** Called once the child has a pid (to record it, e.g. for `session stop`). */
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** Spawning failed (ENOENT, EACCES): the command does not exist or cannot run. */
  spawnError: NodeJS.ErrnoException | undefined;
  durationMs: number;
}

/** The quick stop for commands and gates: SIGTERM, then SIGKILL. */
export const DEFAULT_STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGKILL'];

/** An agent is asked first, as a user would with Ctrl-C (it may end its turn cleanly), then told. */
export const AGENT_STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];

/**
 * An abort reason that tells `run()` how to stop the group: which signals, how far apart. Whoever
 * aborts chooses (orch stops an agent for its budget or on the user's request with SIGINT first),
 * without the adapters in between having to know.
 */
export class StopSignals extends Error {
  readonly signals: readonly NodeJS.Signals[];
  readonly graceMs: number | undefined;
  constructor(signals: readonly NodeJS.Signals[], graceMs?: number, why = 'stopped') {
    super(why);
    this.name = 'StopSignals';
    this.signals = signals;
    this.graceMs = graceMs;
  }
}

/** Send a signal to a whole process group; ignore "already gone". */
export function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Is any process of the group still running? Zombies do not count: where PID 1 does not reap
 * orphans (some containers), a killed grandchild stays a zombie and still answers kill(-pid, 0).
 */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may contain spaces, so cut at the last ')'.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pid && f[0] !== 'Z' && f[0] !== 'X') return true;
    } catch {
      /* the process ended while we looked */
    }
  }
  return false;
}

/**
 * Stop a process group politely, then firmly: SIGINT, SIGTERM after `graceMs`, SIGKILL after another.
 * Resolves once the group is gone (or SIGKILL was sent and it still lingers for 2 s).
 */
export async function stopGroup(pid: number, graceMs = 2000, signals: readonly NodeJS.Signals[] = AGENT_STOP_SIGNALS): Promise<void> {
  for (const sig of signals) {
    if (!groupAlive(pid)) return;
    killGroup(pid, sig);
    const wait = sig === 'SIGKILL' ? 2000 : graceMs;
    const until = Date.now() + wait;
    while (Date.now() < until && groupAlive(pid)) await new Promise((r) => setTimeout(r, 25));
  }
}

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}

function lineSplitter(onLine: (l: string) => void): { push(b: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(b) {
      const parts = (rest + b.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
    },
    end() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

/**
 * Run a command (argv, never a shell string) in its own process group. A timeout or abort kills
 * the whole group, so a grandchild holding the pipe open cannot hang us (ecosystem-style.md A.3).
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let child: ChildProcess;
    const out = new TailBuffer(opts.maxBuffer ?? 1 << 20);
    const err = new TailBuffer(opts.maxBuffer ?? 1 << 20);
    let timedOut = false;
    let aborted = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    try {
      child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ exitCode: null, signal: null, stdout: '', stderr: String(e), timedOut, aborted, spawnError: e as NodeJS.ErrnoException, durationMs: 0 });
      return;
    }
    const outLines = opts.onStdoutLine ? lineSplitter(opts.onStdoutLine) : undefined;
    const errLines = opts.onStderrLine ? lineSplitter(opts.onStderrLine) : undefined;
    child.stdout?.on('data', (b: Buffer) => {
      out.push(b);
      outLines?.push(b);
    });
    child.stderr?.on('data', (b: Buffer) => {
      err.push(b);
      errLines?.push(b);
    });
    child.stdin?.on('error', () => undefined); // EPIPE when the child exits without reading
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);

    // One stop sequence per child: a timeout firing during a polite stop must not skip its grace.
    let stopping = false;
    const stop = (how?: StopSignals): void => {
      if (stopping || child.pid === undefined) return;
      stopping = true;
      void stopGroup(child.pid, how?.graceMs ?? opts.killGraceMs ?? 1000, how?.signals ?? opts.stopSignals ?? DEFAULT_STOP_SIGNALS);
    };
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), stop()), opts.timeoutMs) : undefined;
    const onAbort = (): void => {
      aborted = true;
      // AbortSignal.any passes the reason on, so it arrives through the adapters' combined signals.
      const reason: unknown = opts.signal?.reason;
      stop(reason instanceof StopSignals ? reason : undefined);
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      outLines?.end();
      errLines?.end();
      // Leave nothing behind: a grandchild that outlived its parent dies with the group.
      if (child.pid !== undefined && groupAlive(child.pid)) killGroup(child.pid, 'SIGKILL');
      resolve({ exitCode: code, signal, stdout: out.text(), stderr: err.text(), timedOut, aborted, spawnError, durationMs: Date.now() - started });
    });
  });
}
