/** What a convoy records (its journal); convoy and issue status are folded from these. */
export const CONVOY_EVENT = {
  created: 'convoy.created', // { issues }
  claimed: 'convoy.claimed', // { issueId }
  dispatched: 'convoy.dispatched', // { issueId, workerId, attempt, branch, budgetShare }
  session: 'convoy.session', // { issueId, workerId, orchSessionId }
  redelivered: 'convoy.redelivered', // { issueId, workerId, reason }: the engine started a killed worker again
  review: 'convoy.review', // { issueId, orchSessionId, ok }: the merge queue's review session (its findings are the convoy's)
  workerExited: 'convoy.worker_exited', // { issueId, workerId, code, done, costUsd, sessionIds, summary }
  merged: 'convoy.merged', // { issueId, commit, files }
  mergeConflict: 'convoy.merge_conflict', // { issueId, files }
  sentBack: 'convoy.sent_back', // { issueId, reason, attempt }
  issueFailed: 'convoy.issue_failed', // { issueId, reason }
  closed: 'tracker.closed', // { issueId, reason }
  discovered: 'convoy.discovered', // { issueId, newIssueId, title }
  cancelled: 'convoy.cancelled', // { reason }
  finished: 'convoy.finished', // { done, failed }
  witnessStale: 'witness.stale', // { issueId, workerId, reason }
  witnessRestart: 'witness.restart', // { issueId, workerId, restarts }
  witnessEscalated: 'witness.escalated', // { issueId, reason }
  witnessConfig: 'witness.config', // { staleMinutes, maxRestarts }
} as const;
