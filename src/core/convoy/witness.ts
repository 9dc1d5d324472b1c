import type { Convoy } from '../../schema/convoy.ts';
import { CONVOY_EVENT as E } from './events.ts';
import type { ConvoyState } from './state.ts';
import type { ConvoyEventInput } from './types.ts';

export interface WorkerPulse {
  workerId: string;
  issueId: string;
  /** Last sign of progress (the worker's heartbeat), or null when it never reported. */
  lastProgress: Date | null;
  /** Its process is still there. */
  alive: boolean;
}

export interface WitnessConfig {
  staleMinutes: number;
  maxRestarts: number;
}

export interface WitnessDecision {
  issueId: string;
  workerId: string;
  action: 'restart' | 'fail';
  reason: string;
  /** Escalate to the tracker (once per issue, never once per poll). */
  escalate: boolean;
  events: ConvoyEventInput[];
}

/**
 * Pure: which running workers are stale (no progress for the threshold) or gone (process ended
 * without the runner seeing it), and what to do about each within the restart cap.
 */
export function witnessDecisions(convoy: Convoy, st: ConvoyState, pulses: readonly WorkerPulse[], cfg: WitnessConfig, now: Date): WitnessDecision[] {
  const out: WitnessDecision[] = [];
  for (const p of pulses) {
    const issue = st.issues.get(p.issueId);
    if (!issue || issue.status !== 'running' || issue.workerId !== p.workerId) continue;
    const quiet = p.lastProgress !== null && now.getTime() - p.lastProgress.getTime() > cfg.staleMinutes * 60_000;
    if (p.alive && !quiet) continue;
    const reason = p.alive ? `no progress for ${cfg.staleMinutes} min` : 'its process is gone';
    const fail = issue.restarts + 1 > cfg.maxRestarts;
    const escalate = fail && !st.escalated.has(p.issueId);
    const events: ConvoyEventInput[] = [{ type: E.witnessStale, issueId: p.issueId, workerId: p.workerId, reason }];
    if (fail) events.push({ type: E.issueFailed, issueId: p.issueId, reason: `worker stalled or died ${issue.restarts + 1} times (last: ${reason})` });
    else events.push({ type: E.witnessRestart, issueId: p.issueId, workerId: p.workerId, restarts: issue.restarts + 1, reason });
    if (escalate) events.push({ type: E.witnessEscalated, issueId: p.issueId, reason: 'restart cap reached' });
    out.push({ issueId: p.issueId, workerId: p.workerId, action: fail ? 'fail' : 'restart', reason, escalate, events });
  }
  return out;
}
