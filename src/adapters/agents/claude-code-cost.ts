import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PriceTable } from '../../core/prices/price-table.ts';
import type { AgentOutcome, ModelUsage } from './types.ts';
import type { ClaudeModelUsage, ClaudeResult } from './stream-json.ts';

/**
 * What one Claude Code process cost. `total_cost_usd` is "the conversation so far" only when the
 * CLI restored a saved total at start-up: 2.1.331 restores it on --resume from the transcript's
 * `cost-state` line; 2.1.197 in print mode writes no cost-state and restores nothing, so its total
 * is this process alone. Charging `total − caller's previous` blindly would under-charge 2.1.197,
 * so the baseline is what the CLI itself will restore, read before launch.
 */
export interface RestoredCost {
  totalCostUsd: number;
  modelUsage: Record<string, ClaudeModelUsage>;
}

const EPS = 1e-9;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function claudeConfigDir(env: NodeJS.ProcessEnv): string {
  return env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), '.claude');
}

/** `<config>/projects/<encoded cwd>/<id>.jsonl`; scanned so long-path encodings need no copy of the CLI's hash. */
export function findTranscript(env: NodeJS.ProcessEnv, sessionId: string): string | null {
  const projects = join(claudeConfigDir(env), 'projects');
  if (!existsSync(projects)) return null;
  for (const dir of readdirSync(projects)) {
    const p = join(projects, dir, `${sessionId}.jsonl`);
    if (existsSync(p)) return p;
  }
  return null;
}

/** The last `cost-state` total in the session's transcript: what a resumed CLI starts counting from. */
export function readRestoredCost(env: NodeJS.ProcessEnv, sessionId: string): RestoredCost | null {
  const path = findTranscript(env, sessionId);
  if (path === null) return null;
  let found: RestoredCost | null = null;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.includes('"cost-state"')) continue;
    try {
      const o: unknown = JSON.parse(line);
      if (!isObj(o) || o.type !== 'cost-state' || typeof o.totalCostUSD !== 'number') continue;
      if (typeof o.sessionId === 'string' && o.sessionId !== sessionId) continue;
      found = { totalCostUsd: o.totalCostUSD, modelUsage: isObj(o.modelUsage) ? toClaudeUsage(o.modelUsage) : {} };
    } catch {
      // a torn last line of a transcript being written: not a total
    }
  }
  return found;
}

function toClaudeUsage(o: Obj): Record<string, ClaudeModelUsage> {
  const out: Record<string, ClaudeModelUsage> = {};
  const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
  for (const [model, u] of Object.entries(o)) {
    if (!isObj(u)) continue;
    out[model] = {
      inputTokens: n(u.inputTokens), outputTokens: n(u.outputTokens), cacheReadInputTokens: n(u.cacheReadInputTokens),
      cacheCreationInputTokens: n(u.cacheCreationInputTokens), ...(typeof u.costUSD === 'number' ? { costUSD: u.costUSD } : {}),
    };
  }
  return out;
}

export interface Charge {
  /** This process's spend. */
  costUsd: number | null;
  /** Conversation total as far as orch knows (previous + this process), null when unknown. */
  cumulativeCostUsd: number | null;
  /** This process's per-model split. */
  modelUsage: Record<string, ModelUsage>;
}

/**
 * `restored`: what the CLI carried over (null: nothing). `previousCumulative`: the caller's
 * conversation total before this launch; ignored for a new session, null when unknown.
 */
export function chargeFor(result: ClaudeResult, session: { resumed: boolean; restored: RestoredCost | null; previousCumulative: number | null }): Charge {
  const { restored, previousCumulative } = session;
  const total = result.total_cost_usd;
  // A total below the restored one means the CLI did not carry it over after all.
  const carried = restored !== null && total !== undefined && total + EPS >= restored.totalCostUsd ? restored : null;
  const costUsd = total === undefined ? null : roundUsd(total - (carried?.totalCostUsd ?? 0));
  const base = session.resumed ? previousCumulative : 0;
  const cumulativeCostUsd = costUsd === null ? null : carried !== null ? (total ?? null) : base !== null ? roundUsd(base + costUsd) : null;
  return { costUsd, cumulativeCostUsd, modelUsage: usageDelta(result.modelUsage ?? {}, carried?.modelUsage ?? {}) };
}

function usageDelta(now: Record<string, ClaudeModelUsage>, before: Record<string, ClaudeModelUsage>): Record<string, ModelUsage> {
  const out: Record<string, ModelUsage> = {};
  for (const [model, u] of Object.entries(now)) {
    const b = before[model];
    const d: ModelUsage = {
      inputTokens: u.inputTokens - (b?.inputTokens ?? 0),
      outputTokens: u.outputTokens - (b?.outputTokens ?? 0),
      cacheReadInputTokens: u.cacheReadInputTokens - (b?.cacheReadInputTokens ?? 0),
      cacheCreationInputTokens: u.cacheCreationInputTokens - (b?.cacheCreationInputTokens ?? 0),
      costUsd: u.costUSD === undefined ? null : roundUsd(u.costUSD - (b?.costUSD ?? 0)),
    };
    // A model used only before this process has nothing to charge now.
    if (d.inputTokens || d.outputTokens || d.cacheReadInputTokens || d.cacheCreationInputTokens || d.costUsd) out[model] = d;
  }
  return out;
}

/** Float noise from the CLI's sums (0.00045000000000000004) must not leak into ledgers. */
export function roundUsd(v: number): number {
  return Math.round(v * 1e10) / 1e10;
}

/**
 * Against a custom endpoint Claude Code prices a model it does not know at a default model's rate
 * and marks it `costBasis: "unknown"`. Re-price those with orch's own table; when orch does not know
 * the model either, keep Claude Code's figure and say so in the outcome's errors.
 */
export function repriceUnknown(outcome: AgentOutcome, result: ClaudeResult | null, prices: PriceTable): AgentOutcome {
  if (!result?.modelUsage || outcome.costUsd === null) return outcome;
  let delta = 0;
  const modelUsage = { ...outcome.modelUsage };
  const errors = [...outcome.errors];
  for (const [model, u] of Object.entries(result.modelUsage)) {
    if ((u as { costBasis?: unknown }).costBasis !== 'unknown') continue;
    const ours = prices.price(model, { inputTokens: u.inputTokens, outputTokens: u.outputTokens, cacheReadInputTokens: u.cacheReadInputTokens, cacheCreationInputTokens: u.cacheCreationInputTokens });
    if (ours.usd === null) {
      errors.push(`${model}: Claude Code priced it at a default rate (cost basis unknown) and orch's price table does not know it either (${ours.reason}); add it to .orch/prices.yaml`);
      continue;
    }
    delta += ours.usd - (u.costUSD ?? 0);
    const prev = modelUsage[model];
    if (prev) modelUsage[model] = { ...prev, costUsd: ours.usd };
  }
  if (delta === 0 && errors.length === outcome.errors.length) return outcome;
  return {
    ...outcome,
    costUsd: roundUsd(outcome.costUsd + delta),
    cumulativeCostUsd: outcome.cumulativeCostUsd === null ? null : roundUsd(outcome.cumulativeCostUsd + delta),
    modelUsage,
    errors,
  };
}
