import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { WorkerExit } from '../../core/convoy/runner.ts';
import type { WorkerJob } from '../../schema/worker-job.ts';
import type { ConvoyPlace } from '../convoy/worktrees.ts';
import { ORCH_BIN, parseWorkerLine } from '../convoy/worker-protocol.ts';
import { stopGroup } from '../process/run.ts';

/** How one job on a pooled process ended: its report, or the signal or exit code that ended the process. */
export interface JobEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  report: Omit<WorkerExit, 'code'> | null;
  lastSession: string | null;
}

export interface PooledJob {
  pid: number;
  ended: Promise<JobEnd>;
  /** Stop this job's process (SIGTERM: it pauses after a checkpoint; then SIGKILL). A job that already ended is left alone: its process may work another job by now. */
  stop(): Promise<void>;
}

interface Slot {
  child: ChildProcess;
  pid: number;
  retired: boolean;
  job: Job | null;
}

interface Job {
  /** The stdin line that hands the job to a process. */
  request: string;
  log: string;
  sessions: string[];
  /** The process said it took the job (until then, a process that ends never started it). */
  taken: boolean;
  /** Processes that ended before taking it: it goes to another, a few times. */
  untaken: number;
  slot: Slot;
  end(e: JobEnd): void;
}

/** A job no process took after this many tries (each process ended first) ends as that process did. */
const MAX_UNTAKEN = 3;

/**
 * Long-lived `orch convoy worker --serve` processes, each in its own process group, each working
 * one job at a time: a convoy pays Node's start-up and module loading once per worker slot instead
 * of once per issue. A process whose job ended waits for the next one, unref'd (it never keeps the
 * dispatcher alive, and it ends when the dispatcher's end closes its stdin). A process that died
 * (kill -9, stopped) is dropped; its job's end carries the signal, so the engine can redeliver.
 */
export class WorkerPool {
  private readonly idle: Slot[] = [];
  private readonly live = new Set<Slot>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly cwd: string;

  constructor(o: { env: NodeJS.ProcessEnv; cwd: string }) {
    this.env = o.env;
    this.cwd = o.cwd;
  }

  /**
   * Work `job` in `where.cwd` on an idle process (a new one when none is idle), preparing that
   * worktree first when `where.prepare` says how; its stderr goes to `log`.
   */
  run(job: WorkerJob, where: { cwd: string; prepare?: ConvoyPlace }, log: string): PooledJob {
    let end: (e: JobEnd) => void = () => undefined;
    const ended = new Promise<JobEnd>((resolve) => (end = resolve));
    const mine: Job = { request: `${JSON.stringify({ ...where, job })}\n`, log, sessions: [], taken: false, untaken: 0, slot: this.idle.pop() ?? this.spawn(), end };
    this.give(mine.slot, mine);
    const stop = async (): Promise<void> => {
      const slot = mine.slot;
      if (slot.job !== mine) return;
      slot.retired = true; // it must not take another job after this one
      await stopGroup(slot.pid, 2000, ['SIGTERM', 'SIGKILL']);
    };
    return {
      get pid() {
        return mine.slot.pid;
      },
      ended,
      stop,
    };
  }

  private give(slot: Slot, job: Job): void {
    job.slot = slot;
    slot.job = job;
    hold(slot.child, true);
    slot.child.stdin?.write(job.request);
  }

  /** Idle processes end (their stdin closes); busy ones are the engine's to stop. */
  close(): void {
    for (const s of this.idle.splice(0)) s.child.stdin?.end();
  }

  private spawn(): Slot {
    const child = spawn(process.execPath, [ORCH_BIN, 'convoy', 'worker', '--serve'], { cwd: this.cwd, env: { ...this.env, NO_COLOR: '1' }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const slot: Slot = { child, pid: child.pid ?? -1, retired: false, job: null };
    this.live.add(slot);
    child.stdin?.on('error', () => undefined); // a process that died closed its stdin: its close says why
    let buf = '';
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        this.line(slot, buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (slot.job) appendFileSync(slot.job.log, b);
    });
    child.on('close', (code, signal) => {
      this.live.delete(slot);
      const i = this.idle.indexOf(slot);
      if (i >= 0) this.idle.splice(i, 1);
      const job = slot.job;
      slot.job = null;
      // A process that ended between jobs (a signal during its last one ends it after that job)
      // never took this one: another process does, unless the engine stopped it.
      if (job && !job.taken && !slot.retired && ++job.untaken < MAX_UNTAKEN) return this.give(this.idle.pop() ?? this.spawn(), job);
      job?.end({ code, signal, report: null, lastSession: job.sessions.at(-1) ?? null });
    });
    return slot;
  }

  private line(slot: Slot, line: string): void {
    const job = slot.job;
    const parsed = parseWorkerLine(line);
    if (!job || !parsed) return;
    if ('taken' in parsed) return void (job.taken = true);
    if ('session' in parsed) return void job.sessions.push(parsed.session);
    slot.job = null;
    if (!slot.retired && this.live.has(slot)) {
      hold(slot.child, false);
      this.idle.push(slot);
    }
    job.end({ code: 0, signal: null, report: parsed.report, lastSession: job.sessions.at(-1) ?? null });
  }
}

/** A busy process and its pipes keep the dispatcher's event loop alive; an idle one does not. */
function hold(child: ChildProcess, busy: boolean): void {
  // The pipes are sockets (typed as plain streams): they have ref/unref.
  for (const h of [child, child.stdin, child.stdout, child.stderr] as unknown as ({ ref(): void; unref(): void } | null)[]) {
    if (busy) h?.ref();
    else h?.unref();
  }
}
