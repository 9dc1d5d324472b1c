import { z } from 'zod';
import { OrchestrationContext, SessionStatus } from './context.ts';
import { parseJsonDocument } from './versioned.ts';

export const CHECKPOINT_SCHEMA_VERSION = 1;

export const CHECKPOINT_TRIGGERS = [
  'session_start',
  'interval',
  'error',
  'cost_threshold',
  'agent_result',
  'issue_complete',
  'manual',
  'pause',
  'complete',
  'interrupted',
  'budget_exceeded',
  'hook',
  'end',
] as const;
export const CheckpointTrigger = z.enum(CHECKPOINT_TRIGGERS);
export type CheckpointTrigger = z.infer<typeof CheckpointTrigger>;

export const GitState = z.object({
  /** HEAD commit when the checkpoint was taken; null in a repository with no commits. */
  head: z.string().nullable(),
  /** Branch name, or null when HEAD is detached. */
  branch: z.string().nullable(),
  /** Tree of the working files (tracked + untracked, not ignored, secrets left out). */
  snapshotTree: z.string().nullable(),
  /** Files that hold secrets and were left out of the snapshot. */
  excluded: z.array(z.string()),
  /** Paths that differ from HEAD in the snapshot. */
  changed: z.array(z.string()),
});
export type GitState = z.infer<typeof GitState>;

export const Checkpoint = z.object({
  schemaVersion: z.literal(CHECKPOINT_SCHEMA_VERSION),
  id: z.string(),
  epicId: z.string(),
  sessionId: z.string(),
  sessionNumber: z.number().int().positive(),
  parentCheckpointId: z.string().nullable(),
  createdAt: z.string(),
  trigger: CheckpointTrigger,
  reason: z.string(),
  status: SessionStatus,
  outcome: z.enum(['success', 'partial', 'failure']).nullable(),
  context: OrchestrationContext,
  git: GitState.nullable(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export const parseCheckpoint = (text: string, what: string): Checkpoint =>
  parseJsonDocument(Checkpoint, CHECKPOINT_SCHEMA_VERSION, text, what);

/** Path of a checkpoint inside its commit tree (the seed's layout). */
export const checkpointPath = (epicId: string, id: string): string => `.orchestration/checkpoints/${epicId}/${id}.json`;
