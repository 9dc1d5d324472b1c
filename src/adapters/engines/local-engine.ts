import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Engine, EngineLimits, EngineSignals } from '../../core/convoy/engine.ts';
import type { RunningWorker, WorkerExit } from '../../core/convoy/runner.ts';
import type { WorkerJob } from '../../schema/worker-job.ts';
import { progressFile, type ConvoyPlace } from '../convoy/worktrees.ts';
import type { RepoInfo } from '../git/repo.ts';
import { groupAlive } from '../process/run.ts';
import { WorkerPool, type JobEnd, type PooledJob } from './worker-pool.ts';

export interface LocalEngineOptions {
  repo: RepoInfo;
  env: NodeJS.ProcessEnv;
  /** Where the job's worktree is (its worker prepares it when it is not there yet). */
  worktree(job: WorkerJob): { dir: string; convoy: ConvoyPlace };
  /** Where logs and live progress go. */
  dir(job: WorkerJob): string;
  signals: EngineSignals;
  /** Mark a lost worker's session interrupted before the job starts again (a zombie then cannot write). */
  fence(job: WorkerJob, sessionId: string): Promise<void>;
}

/**
 * The default engine: each job runs on an `orch convoy worker --serve` child process on this
 * machine (kept for the next job when it ends: a WorkerPool), in its own process group, in the
 * issue's worktree. A child that dies from a signal it was not sent by us (kill -9, the OOM
 * killer) is redelivered: started again from the last session it reported.
 */
export class LocalEngine implements Engine {
  readonly name = 'local' as const;
  private readonly o: LocalEngineOptions;
  private readonly active = new Map<string, Promise<RunningWorker>>();
  private readonly cancelled = new Set<string>();
  private readonly pool: WorkerPool;

  constructor(o: LocalEngineOptions) {
    this.o = o;
    this.pool = new WorkerPool({ env: o.env, cwd: o.repo.top });
  }

  submit(job: WorkerJob, limits: EngineLimits): Promise<RunningWorker> {
    // Idempotent, also for calls that overlap: the first call's promise is the job.
    const known = this.active.get(job.jobId);
    if (known) return known;
    const started = this.launch(job, limits);
    this.active.set(job.jobId, started);
    started.catch(() => this.active.delete(job.jobId));
    return started;
  }

  /**
   * The worker prepares the issue's worktree itself (a `git worktree add`, serialised across
   * processes), so a dispatcher starting eight workers neither waits for eight checkouts nor
   * spends its own thread on them.
   */
  private launch(job: WorkerJob, limits: EngineLimits): Promise<RunningWorker> {
    let stopping = false;
    let restarts = 0;
    const started = new Date();
    const { dir, convoy } = this.o.worktree(job);
    let child: PooledJob | null = this.start(job, dir, convoy, job.previousSessionId);
    const exited = (async (): Promise<WorkerExit> => {
      for (;;) {
        if (!child) {
          this.active.delete(job.jobId);
          return { code: 143, done: false, costUsd: null, summary: 'stopped before it started again', discovered: [] };
        }
        const end: JobEnd = await child.ended;
        const killed = end.signal !== null && end.report === null && !stopping && !this.cancelled.has(job.jobId);
        if (!killed || restarts >= limits.maxRestarts) {
          this.active.delete(job.jobId);
          return end.report
            ? { code: end.code ?? 0, ...end.report }
            : { code: end.code ?? 137, done: false, costUsd: null, summary: killed ? `killed by ${end.signal} ${restarts + 1} time(s); restart cap ${limits.maxRestarts} reached` : `the worker ended without a report (${end.signal ?? `exit ${end.code}`})`, discovered: [] };
        }
        restarts++;
        if (end.lastSession) await this.o.fence(job, end.lastSession);
        await this.o.signals.onRedelivered(job, `its worker process was killed (${end.signal}); started again from its last checkpoint`);
        child = stopping ? null : this.start(job, dir, convoy, end.lastSession ?? job.previousSessionId);
      }
    })();
    const progress = progressFile(this.o.repo, job.convoyId, job.workerId);
    const w: RunningWorker = {
      workerId: job.workerId,
      issueId: job.issue.id,
      get pid() {
        return child?.pid ?? -1;
      },
      exited,
      lastProgress: () => {
        try {
          return statSync(progress).mtime;
        } catch {
          return started;
        }
      },
      alive: () => (child ? groupAlive(child.pid) : false),
      stop: async () => {
        stopping = true;
        await child?.stop();
      },
    };
    return Promise.resolve(w);
  }

  /** Local children do not outlive their dispatcher's bookkeeping: a restarted dispatcher starts afresh. */
  adopt(): Promise<RunningWorker | null> {
    return Promise.resolve(null);
  }

  async cancel(jobId: string): Promise<void> {
    this.cancelled.add(jobId);
    await (await this.active.get(jobId))?.stop();
  }

  async close(): Promise<void> {
    await Promise.all([...this.active.values()].map(async (w) => (await w).stop()));
    this.pool.close();
  }

  private start(job: WorkerJob, cwd: string, convoy: ConvoyPlace, previousSessionId: string | null): PooledJob {
    const logs = path.join(this.o.dir(job), 'logs');
    mkdirSync(logs, { recursive: true });
    return this.pool.run({ ...job, previousSessionId }, { cwd, prepare: convoy }, path.join(logs, `${job.issue.id}-${job.workerId}.log`));
  }
}
