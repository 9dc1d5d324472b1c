import type { WorkerJob } from '../../schema/worker-job.ts';
import type { RunningWorker } from './runner.ts';

/**
 * Where convoy workers run. The local engine starts child processes on this machine; the BullMQ
 * engine enqueues on Redis for `orch worker` processes on any machine. Both honour one contract,
 * proven by one conformance suite (test/engine/engine-conformance.test.ts):
 * - `submit` is idempotent: the same job id while that job is queued or active is one job;
 * - at most one active worker per job;
 * - a worker killed with -9 has its job redelivered, and the new worker resumes from the last
 *   checkpoint (the engine counts it as a restart, not an attempt; `maxRestarts` caps it);
 * - `cancel` stops a job for good; `close` stops taking work and lets active jobs pause cleanly.
 */
export interface Engine {
  readonly name: 'local' | 'bullmq';
  submit(job: WorkerJob, limits: EngineLimits): Promise<RunningWorker>;
  /** A job that a previous dispatcher submitted and that still runs (after a dispatcher restart); null when gone. */
  adopt(job: WorkerJob): Promise<RunningWorker | null>;
  cancel(jobId: string): Promise<void>;
  close(): Promise<void>;
}

export interface EngineLimits {
  /** Redeliveries of a killed worker before the job fails. */
  maxRestarts: number;
}

/** What the engine tells the dispatcher while a job runs (sessions started, redeliveries). */
export interface EngineSignals {
  onSession(job: WorkerJob, sessionId: string): Promise<void>;
  onRedelivered(job: WorkerJob, reason: string): Promise<void>;
}
