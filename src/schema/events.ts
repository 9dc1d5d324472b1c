/**
 * The event vocabulary orch records with checkpoints (SessionEvent.type and its payload fields).
 * Briefs, reflection and metrics read these; writers and readers agree here.
 */
export const EVENT = {
  sessionStarted: 'session.started', // { resume, parentSessionId, budget, task }
  sessionPaused: 'session.paused', // { reason }
  sessionCompleted: 'session.completed', // { outcome, reason }
  sessionFailed: 'session.failed', // { reason, failure }  failure: crash|exit|timeout|stalled|api_error|…
  sessionInterrupted: 'session.interrupted', // { reason }
  agentLaunched: 'agent.launched', // { agent, agentSessionId, pid, resume, model }
  /** A tool call that failed, with the command when it was Bash (for "failed repeatedly"). */
  agentToolError: 'agent.tool_error', // { tool, command, error }
  agentResult: 'agent.result', // { ok, subtype, costUsd, cumulativeCostUsd, numTurns, durationMs, errors, permissionDenials, failure, resultText, done }
  agentUnparsed: 'agent.unparsed', // { line }
  costCharged: 'cost.charged', // { amount, source, models: { [model]: usd } } — amount null = unknown
  costEstimate: 'cost.estimate', // { amount, epicSpent, messages, unpricedMessages, charged: false } — a running session's cost so far, not charged
  budgetWarning: 'budget.warning', // { spent, budget, message }
  budgetExceeded: 'budget.exceeded', // { spent, budget }
  budgetSet: 'budget.set', // { from, to }
  gateRun: 'gate.run', // { phase: 'baseline'|'final'|'manual', ok, results: [{ name, status, mode, failedTests }] , regressions }
  note: 'note', // { kind: note|decision|tried|blocker, text }
  runStopped: 'run.stopped', // { reason }
} as const;

export type EventType = (typeof EVENT)[keyof typeof EVENT];
