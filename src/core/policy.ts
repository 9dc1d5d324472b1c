/** The seed's CheckpointPolicy; onCostThreshold is a fraction of the budget (0.8 = 80 %), 0 = off. */
export interface CheckpointPolicy {
  intervalMinutes: number;
  events: {
    onSessionStart: boolean;
    onIssueComplete: boolean;
    onError: boolean;
    onCostThreshold: number;
  };
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  intervalMinutes: 15,
  events: { onSessionStart: true, onIssueComplete: false, onError: true, onCostThreshold: 0.8 },
};

export type PolicyEvent = 'session_start' | 'issue_complete' | 'error';

export interface PolicyState {
  lastCheckpointAt: Date;
  /** The (budget) for which the cost threshold already fired: it fires once per threshold. */
  costThresholdFiredFor: number | null;
}

export type PolicyDecision =
  | { checkpoint: false }
  | { checkpoint: true; trigger: 'session_start' | 'issue_complete' | 'error' | 'interval' | 'cost_threshold'; reason: string };

/** Pure: should a checkpoint be taken now? The caller records `costThresholdFiredFor` when it fires. */
export function decideCheckpoint(
  policy: CheckpointPolicy,
  state: PolicyState,
  now: Date,
  cost: { spent: number; budget: number | null },
  event?: { kind: PolicyEvent; detail?: string },
): PolicyDecision {
  if (event?.kind === 'session_start' && policy.events.onSessionStart) return { checkpoint: true, trigger: 'session_start', reason: 'session start' };
  if (event?.kind === 'issue_complete' && policy.events.onIssueComplete) return { checkpoint: true, trigger: 'issue_complete', reason: event.detail ?? 'issue complete' };
  if (event?.kind === 'error' && policy.events.onError) return { checkpoint: true, trigger: 'error', reason: `error: ${event.detail ?? 'unknown'}` };
  const threshold = policy.events.onCostThreshold;
  if (threshold > 0 && cost.budget !== null && cost.budget > 0 && state.costThresholdFiredFor !== cost.budget && cost.spent >= threshold * cost.budget) {
    return { checkpoint: true, trigger: 'cost_threshold', reason: `${Math.round(threshold * 100)} % of the $${cost.budget.toFixed(2)} budget spent` };
  }
  if (policy.intervalMinutes > 0 && now.getTime() - state.lastCheckpointAt.getTime() >= policy.intervalMinutes * 60_000) {
    return { checkpoint: true, trigger: 'interval', reason: `${policy.intervalMinutes} min since the last checkpoint` };
  }
  return { checkpoint: false };
}

/** Ms until the interval trigger is due (for a real timer). */
export function msUntilInterval(policy: CheckpointPolicy, state: PolicyState, now: Date): number {
  return Math.max(0, state.lastCheckpointAt.getTime() + policy.intervalMinutes * 60_000 - now.getTime());
}
