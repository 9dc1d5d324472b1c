import type { EngineLimits } from '../../core/convoy/engine.ts';
import type { WorkerJob } from '../../schema/worker-job.ts';

/** What a BullMQ job carries: the worker job and the engine's limits for it. */
export interface QueuedJob {
  job: WorkerJob;
  limits: EngineLimits;
}

/** What `orch worker` returns as the job's result (the exit report plus the sessions it ran). */
export interface QueuedResult {
  done: boolean;
  costUsd: number | null;
  summary: string;
  discovered: string[];
  sessionIds: string[];
}

export const DEFAULT_QUEUE = 'orch-convoy';
/** Infrastructure failures (a clone that failed, a version mismatch) are retried, on any worker. */
export const JOB_ATTEMPTS = 3;

export const versionKey = (queue: string): string => `orch:${queue}:version`;
export const cancelKey = (queue: string, jobId: string): string => `orch:${queue}:cancel:${jobId}`;

/** BullMQ reserves ':' in job ids. */
export const bullJobId = (jobId: string): string => jobId.replaceAll(':', '_');
