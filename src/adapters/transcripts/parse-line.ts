/** Turns one parsed Claude Code transcript line into a usage or cost-state record. The validity rules copy
 * ccusage's (`usageDataSchema`) so both tools count the same lines. */
import type { CostStateRecord, UsageRecord } from '../../core/cost/records.ts';

export interface LineContext {
  /** Fallbacks when the line does not say. */
  sessionId: string;
  project: string;
  source: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
const SEMVER_PREFIX = /^\d+\.\d+\.\d+/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
/** Absent is fine; present must be a non-empty string. `false` = present but invalid. */
const optString = (v: unknown): string | null | false =>
  v === undefined ? null : typeof v === 'string' && v.length > 0 ? v : false;

export type LineResult =
  | { kind: 'usage'; record: UsageRecord }
  | { kind: 'cost-state'; record: CostStateRecord }
  /** Has the shape of a usage line but a field is wrong (ccusage drops these too). */
  | { kind: 'invalid' }
  | { kind: 'other' };

export function classifyLine(o: unknown, ctx: LineContext, offset: number): LineResult {
  if (!isObj(o)) return { kind: 'other' };
  if (o.type === 'cost-state') return costState(o, ctx, offset);
  const msg = o.message;
  if (!isObj(msg) || !isObj(msg.usage)) return { kind: 'other' };
  const u = msg.usage;
  // Absent cache fields are 0; present-but-null is invalid, as in ccusage.
  const cacheCreate = u.cache_creation_input_tokens === undefined ? 0 : u.cache_creation_input_tokens;
  const cacheRead = u.cache_read_input_tokens === undefined ? 0 : u.cache_read_input_tokens;
  if (!isCount(u.input_tokens) || !isCount(u.output_tokens) || !isCount(cacheCreate) || !isCount(cacheRead)) {
    return { kind: 'invalid' };
  }
  if (typeof o.timestamp !== 'string' || !ISO.test(o.timestamp)) return { kind: 'invalid' };
  if (o.version !== undefined && (typeof o.version !== 'string' || !SEMVER_PREFIX.test(o.version))) {
    return { kind: 'invalid' };
  }
  const sessionId = optString(o.sessionId);
  const model = optString(msg.model);
  const messageId = optString(msg.id);
  const requestId = optString(o.requestId);
  if (sessionId === false || model === false || messageId === false || requestId === false) return { kind: 'invalid' };
  if (o.costUSD !== undefined && typeof o.costUSD !== 'number') return { kind: 'invalid' };
  return {
    kind: 'usage',
    record: {
      messageId,
      requestId,
      timestamp: o.timestamp,
      // Fast mode is billed at a multiple, so it is its own price row (as in ccusage).
      model: model !== null && u.speed === 'fast' ? `${model}-fast` : model,
      sessionId: sessionId ?? ctx.sessionId,
      project: ctx.project,
      isSidechain: o.isSidechain === true,
      costUSD: typeof o.costUSD === 'number' ? o.costUSD : null,
      usage: {
        inputTokens: u.input_tokens,
        outputTokens: u.output_tokens,
        cacheCreationInputTokens: cacheCreate,
        cacheReadInputTokens: cacheRead,
      },
      source: ctx.source,
    },
  };
}

function costState(o: Obj, ctx: LineContext, offset: number): LineResult {
  if (typeof o.totalCostUSD !== 'number' || !Number.isFinite(o.totalCostUSD)) return { kind: 'invalid' };
  const modelCostUSD: Record<string, number> = {};
  if (isObj(o.modelUsage)) {
    for (const [model, mu] of Object.entries(o.modelUsage)) {
      if (isObj(mu) && typeof mu.costUSD === 'number') modelCostUSD[model] = mu.costUSD;
    }
  }
  return {
    kind: 'cost-state',
    record: {
      sessionId: typeof o.sessionId === 'string' && o.sessionId !== '' ? o.sessionId : ctx.sessionId,
      project: ctx.project,
      totalCostUSD: o.totalCostUSD,
      modelCostUSD,
      source: ctx.source,
      offset,
    },
  };
}
