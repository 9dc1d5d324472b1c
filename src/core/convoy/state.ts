import type { Convoy } from '../../schema/convoy.ts';
import type { SessionEvent } from '../../schema/event.ts';
import type { TrackerIssue } from '../tracker/types.ts';
import { CONVOY_EVENT as E } from './events.ts';

export type IssueStatus = 'pending' | 'running' | 'merging' | 'done' | 'failed';

export interface IssueState {
  id: string;
  status: IssueStatus;
  claimed: boolean;
  closed: boolean;
  attempts: number;
  restarts: number;
  /** Pending because the witness restarted it: the next dispatch does not use up an attempt. */
  restartPending: boolean;
  workerId: string | null;
  sessionIds: string[];
  /** Why it was last sent back or failed: goes into the next attempt's brief. */
  reasons: string[];
  /** Measured spend of its workers; `unknown` counts workers that reported no cost. */
  costUsd: number;
  unknownCosts: number;
}

export interface ConvoyState {
  issues: Map<string, IssueState>;
  cancelled: boolean;
  finished: boolean;
  escalated: Set<string>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Fold the convoy's journal into its current state (status is derived, never stored). */
export function foldConvoy(convoy: Convoy, events: readonly SessionEvent[]): ConvoyState {
  const issues = new Map<string, IssueState>(
    convoy.issues.map((id) => [id, { id, status: 'pending', claimed: false, closed: false, attempts: 0, restarts: 0, restartPending: false, workerId: null, sessionIds: [], reasons: [], costUsd: 0, unknownCosts: 0 }]),
  );
  const st: ConvoyState = { issues, cancelled: convoy.cancelled, finished: false, escalated: new Set() };
  for (const e of events) {
    const i = issues.get(str(e.issueId));
    switch (e.type) {
      case E.claimed:
        if (i) i.claimed = true;
        break;
      case E.dispatched:
        if (i) Object.assign(i, { status: 'running', workerId: str(e.workerId), attempts: Number(e.attempt) || i.attempts + 1, restartPending: false });
        break;
      case E.session:
        if (i && str(e.orchSessionId) && !i.sessionIds.includes(str(e.orchSessionId))) i.sessionIds.push(str(e.orchSessionId));
        break;
      case E.workerExited:
        if (!i || i.workerId !== str(e.workerId)) break; // a superseded worker's exit changes nothing
        if (typeof e.costUsd === 'number') i.costUsd += e.costUsd;
        else i.unknownCosts++;
        i.status = e.done === true ? 'merging' : 'pending';
        i.workerId = null;
        if (e.done !== true && str(e.summary)) i.reasons.push(`attempt ${i.attempts}: ${str(e.summary)}`);
        break;
      case E.merged:
        if (i) i.status = 'done';
        break;
      case E.sentBack:
        if (i) Object.assign(i, { status: 'pending', workerId: null, reasons: [...i.reasons, `attempt ${i.attempts}: ${str(e.reason)}`] });
        break;
      case E.issueFailed:
        if (i) Object.assign(i, { status: 'failed', workerId: null, reasons: [...i.reasons, str(e.reason)] });
        break;
      case E.closed:
        if (i) i.closed = true;
        break;
      case E.witnessRestart:
        if (i) Object.assign(i, { status: 'pending', workerId: null, restarts: i.restarts + 1, restartPending: true });
        break;
      case E.redelivered:
        if (i && i.workerId === str(e.workerId)) i.restarts++;
        break;
      case E.witnessEscalated:
        st.escalated.add(str(e.issueId));
        break;
      case E.cancelled:
        st.cancelled = true;
        break;
      default:
        break;
    }
  }
  st.finished = [...issues.values()].every((i) => i.status === 'done' || i.status === 'failed');
  return st;
}

/** Issues to start next: pending, under the attempt cap, with every blocker inside the convoy done. */
export function dispatchable(convoy: Convoy, st: ConvoyState, tracked: ReadonlyMap<string, TrackerIssue>): string[] {
  const inConvoy = new Set(convoy.issues);
  return convoy.issues.filter((id) => {
    const s = st.issues.get(id);
    if (!s || s.status !== 'pending' || s.attempts >= convoy.maxAttempts) return false;
    const deps = tracked.get(id)?.dependencies ?? [];
    return deps.every((d) => !inConvoy.has(d.id) || d.type === 'discovered-from' || st.issues.get(d.id)?.status === 'done');
  });
}

/**
 * The most one more worker may spend: what is left of the convoy budget once the shares of the
 * running workers are set aside, split over the free worker slots. The shares of all running
 * workers never add up to more than the budget left, so parallel workers cannot together
 * overspend by more than one model call each.
 */
export function budgetShare(budget: number | null, spent: number, o: { outstanding: number; freeSlots: number }): number | null {
  if (budget === null) return null;
  return Math.max(0, budget - spent - o.outstanding) / Math.max(1, o.freeSlots);
}
