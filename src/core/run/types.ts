import type { BriefTrackerOptions } from '../brief/build.ts';
import type { AgentAdapter, AgentEvent } from '../../adapters/agents/types.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import type { GitHistorySource } from '../brief/types.ts';
import type { CoreDeps } from '../deps.ts';
import type { CheckpointPolicy } from '../policy.ts';
import type { PriceTable } from '../prices/price-table.ts';
import type { Redactor } from '../redact.ts';

export interface RunOptions {
  epicId: string;
  task: string;
  budget?: number | string | undefined;
  maxSessions: number;
  /** Kill a session's agent after this long (ms). */
  sessionTimeoutMs?: number | undefined;
  /** Kill it when it prints nothing for this long (ms). */
  stallMs?: number | undefined;
  /** Continue the agent's own conversation (`--resume`) instead of a fresh one with the brief. */
  resumeAgent: boolean;
  maxConsecutiveFailures: number;
  policy: CheckpointPolicy;
  allowedTools?: string[] | undefined;
  model?: string | undefined;
  maxTurns?: number | undefined;
  /** Run the peer review after every N sessions (0/undefined = never). */
  reviewEvery?: number | undefined;
  /** Set when this run is one convoy worker: its own line of sessions, its share of the budget. */
  scope?: WorkerScope | undefined;
}

export interface WorkerScope {
  convoyId: string;
  issueId: string;
  workerId: string;
  /** The issue's newest session from an earlier attempt, to continue from (null: first attempt). */
  previousSessionId: string | null;
  /** The most this worker may spend, USD (its share of the convoy budget). */
  budgetCap: number | null;
  /** Called with each session this worker starts (the convoy records it). */
  onSession: (sessionId: string) => Promise<void>;
}

/** What a run needs from outside core: the agent, the process environment, pricing, redaction. */
export interface RunPorts {
  deps: CoreDeps;
  agent: AgentAdapter;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where each session's raw agent output is kept; null for none. */
  logFile: (sessionNumber: number) => string | null;
  prices: PriceTable;
  redactor: Redactor;
  /** The peer review of the epic's work so far (orch review). */
  review?: () => Promise<{ ok: boolean; reason: string }>;
  /** Git history for the resume brief. */
  history?: GitHistorySource;
  /** The tracker whose issues the resume brief lists (from .orch/config.yaml), when one is configured. */
  briefTracker?: () => Promise<BriefTrackerOptions>;
  /** Run the project's quality gates now; null when it has none (or gates are off). */
  runGates?: () => Promise<GateRun | null>;
  /** Cost of an agent conversation from its own records, for a session killed before its result. */
  recoverCost?: (agentSessionId: string) => Promise<number | null>;
  /** A new agent conversation id (a UUID for Claude Code). */
  newAgentSessionId: () => string;
  /** Aborted when the user stops the run (`orch session stop`, SIGTERM, Ctrl-C). */
  stop: AbortSignal;
  /**
   * The abort reason orch gives the agent when it stops it (the budget is spent, the user stopped the
   * run). Opaque to core: the process adapter reads it to stop the agent's process group with SIGINT,
   * then SIGTERM, then SIGKILL. Absent: the adapter's own stop.
   */
  agentStopReason?: (why: AgentStopCause) => unknown;
  onProgress?: (p: RunProgress) => void;
}

export type AgentStopCause = 'budget' | 'stopped';

export type RunProgress =
  | { kind: 'session'; sessionNumber: number; sessionId: string; resumed: boolean; brief: string | null }
  | { kind: 'agent'; sessionNumber: number; event: AgentEvent; turns: number; spentEstimate: number; budget: number | null; elapsedMs: number; pid: number | null }
  /** estimateUsd: the session's cost so far, estimated from streamed usage (interval and cost-threshold checkpoints). */
  | { kind: 'checkpoint'; sessionNumber: number; id: string; trigger: string; estimateUsd?: number }
  | { kind: 'warning'; message: string }
  | { kind: 'session_end'; sessionNumber: number; status: string; costUsd: number | null; reason: string };

export type StopReason = 'done' | 'budget_exceeded' | 'max_sessions' | 'failures' | 'stopped';

export interface SessionSummary {
  sessionNumber: number;
  sessionId: string;
  status: string;
  /** Measured cost of this session; null when the agent did not report one. */
  costUsd: number | null;
  agentCostUsd: number | null;
  turns: number | null;
  reason: string;
}

export interface RunReport {
  epicId: string;
  sessions: SessionSummary[];
  stopReason: StopReason;
  message: string;
  spent: number;
  budget: number | null;
  /** The agent's final message of the last session (for "DISCOVERED:" lines and summaries). */
  lastResultText: string | null;
}
