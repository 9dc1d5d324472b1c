/** The one interface every agent CLI adapter implements (issue 3). */

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  /** Cost of this model's share, USD, as the agent reported it (or as priced by orch). */
  costUsd: number | null;
}

export type AgentEvent =
  | { type: 'init'; agentSessionId: string; model: string | null; tools: string[]; version: string | null }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolUseId: string; isError: boolean; content: string }
  /** Interim token usage of a model call as streamed (not a cost: the caller may estimate from it). */
  | {
      type: 'usage';
      messageId: string;
      model: string;
      usage: { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheCreationInputTokens: number };
    }
  /** The agent is retrying a failed model call (429/5xx/overloaded): alive, but not progressing. */
  | { type: 'api_retry'; attempt: number; maxRetries: number | null; errorStatus: number | null; retryDelayMs: number | null; error: string | null }
  | { type: 'result'; outcome: AgentOutcome }
  /** A stdout line that was not the agent's JSON: recorded, not fatal. */
  | { type: 'unparsed'; line: string }
  | { type: 'stderr'; line: string };

export interface AgentOutcome {
  /** The agent reported success (the run ended normally without error). */
  ok: boolean;
  subtype: string;
  agentSessionId: string | null;
  /** What this process cost, USD (delta of cumulative totals); null when unknown — never 0 for unknown. */
  costUsd: number | null;
  /** The agent's cumulative conversation total, when it reports one (Claude Code: total_cost_usd). */
  cumulativeCostUsd: number | null;
  modelUsage: Record<string, ModelUsage>;
  numTurns: number | null;
  durationMs: number;
  resultText: string | null;
  structuredOutput?: unknown;
  errors: string[];
  permissionDenials: { toolName: string; input: unknown }[];
  exitCode: number | null;
  signal: string | null;
  /** Why the process ended when it was not a normal result: timeout, stall, killed, crash, spawn error. */
  failure: 'timeout' | 'stalled' | 'aborted' | 'crashed' | 'spawn_failed' | 'no_result' | null;
}

export interface AgentLimits {
  maxBudgetUsd?: number;
  maxTurns?: number;
  /** Kill the agent's process group after this long. */
  timeoutMs?: number;
  /** Kill it when no output arrives for this long. */
  stallMs?: number;
  /** The allowance instead while a tool call runs (no output is expected then); default 10 min. */
  toolStallMs?: number;
}

export interface LaunchRequest {
  prompt: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  limits: AgentLimits;
  /** Fresh conversation with this id, or resume this agent session id. */
  agentSession: { mode: 'new'; id: string } | { mode: 'resume'; id: string; previousCumulativeCostUsd: number | null };
  appendSystemPrompt?: string;
  allowedTools?: string[];
  jsonSchema?: unknown;
  model?: string;
  signal?: AbortSignal;
  onEvent?: (event: AgentEvent) => void;
  /** Stdout kept here (per-session log), each line through `logLine` first. */
  logFile?: string;
  /** What a stdout line becomes in the log (orch passes its redactor): secrets never reach the file. */
  logLine?: (line: string) => string;
  onSpawn?: (pid: number) => void;
}

export interface AgentAdapter {
  readonly name: string;
  /** Throws OrchError('agent_missing') with an install hint when the binary is not there. */
  check(cwd: string, env: NodeJS.ProcessEnv): Promise<{ version: string | null }>;
  launch(req: LaunchRequest): Promise<AgentOutcome>;
}
