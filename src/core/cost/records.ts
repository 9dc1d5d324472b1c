import type { TokenUsage } from '../prices/price-table.ts';

/** One model call as recorded in an agent transcript (Claude Code: an `assistant` line with `message.usage`). */
export interface UsageRecord {
  messageId: string | null;
  requestId: string | null;
  /** ISO-8601 UTC, as written on the line. */
  timestamp: string;
  model: string | null;
  sessionId: string;
  project: string;
  /** Subagent traffic; a sidechain copy loses to the main-chain record of the same call. */
  isSidechain: boolean;
  /** Cost written on the line itself (Claude Code < 1.0.9 did this); null when absent. */
  costUSD: number | null;
  usage: TokenUsage;
  /** File the record came from; breaks ties between identical duplicates deterministically. */
  source: string;
}

/** Claude Code's own running total, written once per process exit (`type: "cost-state"`). */
export interface CostStateRecord {
  sessionId: string;
  project: string;
  totalCostUSD: number;
  modelCostUSD: Record<string, number>;
  source: string;
  /** Byte offset of the line, so the last state of a file is the one written last. */
  offset: number;
}

export const totalTokens = (u: TokenUsage): number =>
  u.inputTokens + u.outputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens;
