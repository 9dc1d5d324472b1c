import { z } from 'zod';
import { parseJsonDocument } from './versioned.ts';

export const CONVOY_SCHEMA_VERSION = 1;

export const TrackerRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('beads'), workspace: z.string(), bin: z.string().optional() }),
  z.object({ kind: z.literal('task-file'), path: z.string() }),
]);
export type TrackerRef = z.infer<typeof TrackerRef>;

export const AgentRef = z.discriminatedUnion('name', [
  z.object({ name: z.literal('claude'), bin: z.string().optional(), model: z.string().optional() }),
  z.object({ name: z.literal('command'), command: z.string(), costField: z.string().optional() }),
]);
export type AgentRef = z.infer<typeof AgentRef>;

/** A convoy: issues of one epic worked in parallel. Its progress is derived from its events. */
export const Convoy = z.object({
  schemaVersion: z.literal(CONVOY_SCHEMA_VERSION),
  id: z.string(),
  name: z.string(),
  epicId: z.string(),
  issues: z.array(z.string()).min(1),
  tracker: TrackerRef,
  agent: AgentRef,
  /** Shared by all workers, USD; null = the epic's budget only. */
  budget: z.number().nonnegative().nullable(),
  /** Commit the integration branch starts from. */
  base: z.string(),
  integrationBranch: z.string(),
  /** Attempts per issue (sent back after a conflict or a failed gate counts). */
  maxAttempts: z.number().int().positive(),
  /** Witness restarts per issue before it fails. */
  maxRestarts: z.number().int().nonnegative(),
  staleMinutes: z.number().positive(),
  sessionsPerAttempt: z.number().int().positive(),
  /** Merge only after the peer review passes (orch review's blocking policy). */
  requireReview: z.boolean().default(false),
  createdAt: z.string(),
  updatedAt: z.string(),
  cancelled: z.boolean(),
});
export type Convoy = z.infer<typeof Convoy>;

export const parseConvoy = (text: string, what: string): Convoy => parseJsonDocument(Convoy, CONVOY_SCHEMA_VERSION, text, what);
