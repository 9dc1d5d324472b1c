import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine, EngineLimits, EngineSignals } from '../../core/convoy/engine.ts';
import type { RunningWorker, WorkerExit } from '../../core/convoy/runner.ts';
import type { WorkerJob } from '../../schema/worker-job.ts';
import { JOB_ATTEMPTS, bullJobId, cancelKey, type QueuedJob, type QueuedResult } from './bullmq-shared.ts';

export interface BullmqEngineOptions {
  redis: Redis;
  queue: string;
  signals: EngineSignals;
  /** Bring the job's branch and sessions from the shared remote before the merge queue sees it. */
  collect(job: WorkerJob, sessionIds: string[]): Promise<void>;
  pollMs?: number;
}

interface Tracked {
  worker: RunningWorker;
  job: WorkerJob;
  /** Null while the job waits in the queue: waiting for a free worker is not a stall. */
  lastProgress: Date | null;
  lastBeat: string | null;
  sessions: Set<string>;
  finish: (exit: WorkerExit) => void;
  finished: boolean;
  /** In Redis (added, or adopted): until then a missing job is not a removed one. */
  queued: boolean;
}

/**
 * Convoy workers on any machine: each job goes to a BullMQ queue that `orch worker` processes
 * take from. Heartbeats are BullMQ's lock renewals (a killed worker's job is redelivered by the
 * stalled checker); progress and stalls come from QueueEvents; completion is also polled, so a
 * missed event (a Redis restart) cannot lose a job.
 */
export class BullmqEngine implements Engine {
  readonly name = 'bullmq' as const;
  private readonly o: BullmqEngineOptions;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly eventsConnection: Redis;
  private readonly tracked = new Map<string, Tracked>();
  private readonly timer: NodeJS.Timeout;
  private polling = false;

  constructor(o: BullmqEngineOptions) {
    this.o = o;
    this.queue = new Queue(o.queue, { connection: o.redis });
    // QueueEvents blocks on XREAD: it needs its own connection (closed with the engine).
    this.eventsConnection = o.redis.duplicate();
    this.events = new QueueEvents(o.queue, { connection: this.eventsConnection });
    this.events.on('progress', ({ jobId, data }) => void this.progress(jobId, data));
    this.events.on('stalled', ({ jobId }) => {
      const t = this.tracked.get(jobId);
      if (t) void this.o.signals.onRedelivered(t.job, 'its worker stopped renewing the job lock (killed or cut off); BullMQ handed the job to another worker, which resumes from the last checkpoint');
    });
    this.events.on('active', ({ jobId }) => {
      const t = this.tracked.get(jobId);
      if (t) t.lastProgress = new Date();
    });
    this.events.on('completed', () => void this.poll());
    this.events.on('failed', () => void this.poll());
    this.timer = setInterval(() => void this.poll(), o.pollMs ?? 1000);
  }

  async submit(job: WorkerJob, limits: EngineLimits): Promise<RunningWorker> {
    const id = bullJobId(job.jobId);
    const known = this.tracked.get(id);
    if (known) return known.worker;
    // Tracked before the add, so overlapping calls share one handle; the caller-chosen job id
    // makes the add itself idempotent (adding an id that exists adds nothing), also across dispatchers.
    const worker = this.track(job);
    const data: QueuedJob = { job, limits };
    try {
      await this.queue.add(job.convoyId, data, { jobId: id, attempts: JOB_ATTEMPTS, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
    } catch (e) {
      this.tracked.delete(id);
      throw e;
    }
    this.tracked.get(id)!.queued = true;
    return worker;
  }

  async adopt(job: WorkerJob): Promise<RunningWorker | null> {
    const id = bullJobId(job.jobId);
    const j = await Job.fromId(this.queue, id);
    // Only a job that can still finish is adopted; a cancelled or failed one is restarted afresh.
    if (!j || (await this.o.redis.get(cancelKey(this.o.queue, id))) || (await j.getState()) === 'failed') return null;
    const worker = this.track(job);
    this.tracked.get(id)!.queued = true;
    return worker;
  }

  async cancel(jobId: string): Promise<void> {
    const id = bullJobId(jobId);
    await this.o.redis.set(cancelKey(this.o.queue, id), '1', 'EX', 7 * 24 * 3600);
    // A waiting job is removed at once; an active one is locked, and its worker sees the flag.
    const j = await Job.fromId(this.queue, id);
    await j?.remove().catch(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.events.close();
    await this.queue.close();
    this.eventsConnection.disconnect();
  }

  private track(job: WorkerJob): RunningWorker {
    const id = bullJobId(job.jobId);
    let finish: (exit: WorkerExit) => void = () => undefined;
    const exited = new Promise<WorkerExit>((r) => (finish = r));
    const worker: RunningWorker = {
      workerId: job.workerId,
      issueId: job.issue.id,
      pid: -1,
      exited,
      lastProgress: () => t.lastProgress,
      alive: () => !t.finished,
      stop: async () => {
        await this.cancel(job.jobId);
        // Bounded wait for the worker to pause and report; the timer must not keep the process alive.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
        clearTimeout(timer);
      },
    };
    const t: Tracked = { worker, job, lastProgress: null, lastBeat: null, sessions: new Set(), finish, finished: false, queued: false };
    this.tracked.set(id, t);
    return worker;
  }

  private async progress(jobId: string, data: unknown): Promise<void> {
    const t = this.tracked.get(jobId);
    if (!t || typeof data !== 'object' || data === null) return;
    const at = (data as { at?: unknown }).at;
    // A new heartbeat counts when it arrives (our clock; the worker's machine may be skewed).
    if (typeof at === 'string' && at !== t.lastBeat) {
      t.lastBeat = at;
      t.lastProgress = new Date();
    }
    const sessionId = (data as { sessionId?: unknown }).sessionId;
    if (typeof sessionId === 'string' && !t.sessions.has(sessionId)) {
      t.sessions.add(sessionId);
      await this.o.signals.onSession(t.job, sessionId);
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const [id, t] of this.tracked) {
        if (t.finished || !t.queued) continue;
        const j = await Job.fromId<QueuedJob, QueuedResult>(this.queue, id);
        const state = j ? await j.getState() : 'gone';
        if (state === 'active' && t.lastProgress === null) t.lastProgress = new Date();
        if (state !== 'active') t.lastProgress = null; // back in the queue (redelivered): not stale while it waits
        if (j && typeof j.progress === 'object') await this.progress(id, j.progress);
        if (state === 'completed' && j) {
          const r = j.returnvalue;
          for (const s of r.sessionIds) await this.progress(id, { sessionId: s });
          await this.o.collect(t.job, [...t.sessions]);
          this.end(id, t, { code: 0, done: r.done, costUsd: r.costUsd, summary: r.summary, discovered: r.discovered });
        } else if (state === 'failed' || state === 'gone') {
          const reason = j?.failedReason ?? 'the job was removed from the queue';
          const sessions = j && typeof j.progress === 'object' && j.progress !== null ? (j.progress as { sessionId?: string }).sessionId : undefined;
          if (sessions) await this.o.collect(t.job, [...t.sessions]).catch(() => undefined); // keep what the failed run checkpointed
          this.end(id, t, { code: 1, done: false, costUsd: null, summary: `job failed: ${reason}`, discovered: [] });
        }
      }
    } catch {
      // Redis is away (restarting): the next tick asks again; nothing is decided on a failed read.
    } finally {
      this.polling = false;
    }
  }

  private end(id: string, t: Tracked, exit: WorkerExit): void {
    t.finished = true;
    this.tracked.delete(id);
    t.finish(exit);
  }
}
