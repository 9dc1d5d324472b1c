/**
 * Per-Claude-session hook state (pure: schema and decisions). One small file per Claude session maps
 * it to its orch session and remembers how far its transcripts were charged.
 */
import { z } from 'zod';
import { budgetStatus, usd, type BudgetStatus } from '../budget.ts';
import { decideCheckpoint, DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from '../policy.ts';
import type { SessionTip } from '../store.ts';

export const HookStateSchema = z.object({
  schemaVersion: z.literal(1),
  claudeSessionId: z.string(),
  epicId: z.string(),
  orchSessionId: z.string(),
  /** When the orch session started (a Session handle needs it). */
  startedAt: z.string(),
  /** The brief given at SessionStart, given again after a compaction. */
  brief: z.string(),
  /** Byte offset charged so far, per transcript file (the main one and subagent logs). */
  offsets: z.record(z.string(), z.number().int().nonnegative()),
  /** Calls already charged: dedupe key → tokens and cost (see core/hooks/cost.ts). */
  seen: z.record(z.string(), z.object({ tokens: z.number().nonnegative(), usd: z.number().nullable() })),
  /** Null until the first Stop checkpoint: the first Stop always checkpoints. */
  lastStopCheckpointAt: z.string().nullable(),
  lastCheckpointAt: z.string(),
  /** Budget for which the cost-threshold checkpoint already fired. */
  costThresholdFiredFor: z.number().nullable(),
});
export type HookState = z.infer<typeof HookStateSchema>;

/**
 * Stop is throttled by the checkpoint policy's interval (and its cost threshold); the first Stop of
 * a Claude session always checkpoints, and so does one that finds the budget spent.
 */
export function stopShouldCheckpoint(
  state: Pick<HookState, 'lastStopCheckpointAt' | 'lastCheckpointAt' | 'costThresholdFiredFor'>,
  now: Date,
  cost: { spent: number; budget: number | null },
  policy: CheckpointPolicy = DEFAULT_CHECKPOINT_POLICY,
): { checkpoint: boolean; reason: string; thresholdFired: boolean } {
  if (state.lastStopCheckpointAt === null) return { checkpoint: true, reason: 'Stop (first of this Claude session)', thresholdFired: false };
  if (cost.budget !== null && cost.spent >= cost.budget) return { checkpoint: true, reason: 'Stop (budget spent)', thresholdFired: false };
  const d = decideCheckpoint(policy, { lastCheckpointAt: new Date(state.lastCheckpointAt), costThresholdFiredFor: state.costThresholdFiredFor }, now, cost);
  if (!d.checkpoint) return { checkpoint: false, reason: '', thresholdFired: false };
  return { checkpoint: true, reason: `Stop (${d.reason})`, thresholdFired: d.trigger === 'cost_threshold' };
}

/**
 * Budget as PreToolUse sees it: what the store records plus this Claude session's cost that is
 * read from the transcript but not checkpointed yet (Stop is throttled).
 */
export function budgetWithPending(budget: number | null, tips: readonly Pick<SessionTip, 'costUsd'>[], pending: number): BudgetStatus {
  return budgetStatus(budget, [...tips, { costUsd: usd(pending) }]);
}

export function budgetDenyReason(epicId: string, b: BudgetStatus): string | null {
  if (!b.exhausted || b.budget === null) return null;
  return (
    `orch: the budget of epic ${epicId} is spent ($${b.spent.toFixed(4)} of $${b.budget.toFixed(2)}); tool calls are refused. ` +
    `Stop here and tell the user; they can raise it with: orch session start --epic ${epicId} --resume --budget <amount>`
  );
}
