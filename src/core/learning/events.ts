import type { SessionEvent } from '../../schema/event.ts';

/**
 * Every event type and payload field the learning loop reads, in one place. Written as literals so a
 * half-finished writer module elsewhere cannot break reflection; events.test.ts checks they still
 * match the writers' constants. Readers are defensive: a missing or mistyped field skips the event.
 */
export const L_EVENT = {
  sessionStarted: 'session.started', // { task }
  sessionCompleted: 'session.completed', // { outcome }
  sessionFailed: 'session.failed', // { reason, failure }
  toolError: 'agent.tool_error', // { tool, command, error }
  agentResult: 'agent.result', // { permissionDenials: [{ toolName, input }] }
  costCharged: 'cost.charged', // { amount }
  budgetWarning: 'budget.warning', // { spent, budget }
  budgetExceeded: 'budget.exceeded', // { spent, budget }
  budgetSet: 'budget.set', // { to }
  gateRun: 'gate.run', // { phase, ok, results: [{ name, status, mode, failedTests }], regressions }
  reviewFinding: 'review.finding', // { findingId, reviewer, severity, file, quote, match, finding }
  reviewAddressed: 'review.addressed', // { findingId }
  reviewDismissed: 'review.dismissed', // { findingId }
  convoySession: 'convoy.session', // { issueId, orchSessionId }
  convoyReview: 'convoy.review', // { issueId, orchSessionId, ok }
  convoyDispatched: 'convoy.dispatched', // { issueId, attempt }
  convoyMerged: 'convoy.merged', // { issueId, files }
  convoyMergeConflict: 'convoy.merge_conflict', // { issueId, files }
  convoySentBack: 'convoy.sent_back', // { issueId, reason }
  convoyIssueFailed: 'convoy.issue_failed', // { issueId, reason }
  witnessRestart: 'witness.restart', // { issueId }
  trackerClosed: 'tracker.closed', // { issueId }
} as const;

export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
export const records = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)) : [];

/** Events in recorded order (time, then id: ids are monotonic ULIDs). */
export const byTime = (a: SessionEvent, b: SessionEvent): number => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export interface GateResultView {
  name: string;
  status: string;
  mode: string | null;
  failedTests: string[];
}

/** A gate.run event's per-gate results; malformed entries are skipped. */
export function gateResults(e: SessionEvent): GateResultView[] {
  return records(e.results).flatMap((r) => {
    const name = str(r.name);
    const status = str(r.status);
    return name && status ? [{ name, status, mode: str(r.mode), failedTests: strings(r.failedTests) }] : [];
  });
}

/** One line, trimmed, at most n characters. */
export const clip = (s: string, n = 160): string => {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
};
