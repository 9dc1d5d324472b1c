import { z } from 'zod';
import { parseJsonDocument, parseVersioned } from './versioned.ts';

export const WORKER_JOB_SCHEMA_VERSION = 1;

/** The issue text a worker needs; the dispatcher read it once, so workers never call the tracker. */
export const JobIssue = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  acceptance: z.string(),
  notes: z.string(),
});
export type JobIssue = z.infer<typeof JobIssue>;

/**
 * One unit of convoy work: handed to a local child process on stdin, or carried as a BullMQ
 * job's data to a worker on another machine. Everything a worker needs is here.
 */
export const WorkerJob = z.object({
  schemaVersion: z.literal(WORKER_JOB_SCHEMA_VERSION),
  /** Idempotency key: the same id enqueued twice is one job. */
  jobId: z.string(),
  /** A worker running another orch version refuses the job (stored formats may differ). */
  orchVersion: z.string(),
  epicId: z.string(),
  convoyId: z.string(),
  workerId: z.string(),
  attempt: z.number().int().positive(),
  /** USD this worker may spend; null = no convoy budget. */
  budgetShare: z.number().nonnegative().nullable(),
  previousSessionId: z.string().nullable(),
  issue: JobIssue,
  /** Why earlier attempts were sent back: goes into the brief. */
  sentBack: z.array(z.string()),
  branch: z.string(),
  /** Where remote workers clone from and push to (BullMQ engine); null for local workers. */
  remote: z.string().nullable(),
});
export type WorkerJob = z.infer<typeof WorkerJob>;

export const parseWorkerJob = (text: string, what = 'worker job'): WorkerJob => parseJsonDocument(WorkerJob, WORKER_JOB_SCHEMA_VERSION, text, what);
/** The same for a job already parsed from JSON (a line of `--serve`, a queue message). */
export const toWorkerJob = (raw: unknown, what = 'worker job'): WorkerJob => parseVersioned(WorkerJob, WORKER_JOB_SCHEMA_VERSION, raw, what);
