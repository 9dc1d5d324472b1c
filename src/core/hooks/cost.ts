/**
 * Incremental transcript cost for hooks (pure). Each call reads only new lines, so dedupe must span
 * calls: `seen` keeps, per call key (message id + request id), the tokens and cost already charged.
 * A later copy with more tokens charges only the difference (the "keep the most tokens" rule).
 */
import { usd } from '../budget.ts';
import { costOf, dedupeKey } from '../cost/scan.ts';
import { totalTokens, type UsageRecord } from '../cost/records.ts';
import type { PriceTable } from '../prices/price-table.ts';

export interface SeenCall {
  tokens: number;
  /** Cost charged for the call so far; null when it could not be priced. */
  usd: number | null;
}

export interface CostDelta {
  /** New priced cost to charge (≥ 0). */
  amount: number;
  /** Per-model split of `amount`. */
  models: Record<string, number>;
  /** Calls newly found that could not be priced. */
  unpriced: number;
  unpricedModels: string[];
  /** `seen` with this batch applied. */
  seen: Record<string, SeenCall>;
  /** Calls newly counted or improved. */
  calls: number;
}


export function chargeNewCalls(records: readonly UsageRecord[], seen: Readonly<Record<string, SeenCall>>, prices: PriceTable): CostDelta {
  const next: Record<string, SeenCall> = { ...seen };
  const models: Record<string, number> = {};
  const unpricedModels = new Set<string>();
  let amount = 0;
  let unpriced = 0;
  let calls = 0;
  for (const r of records) {
    const key = dedupeKey(r);
    const tokens = totalTokens(r.usage);
    const prev = key === null ? undefined : next[key];
    if (prev !== undefined && tokens <= prev.tokens) continue; // a copy of a call already charged
    const cost = costOf(r, 'auto', prices); // the cost report's default mode
    calls++;
    if (cost === null) {
      // Counted once per call, never as $0: the first sighting only.
      if (prev === undefined) unpriced++;
      unpricedModels.add(r.model ?? 'unknown');
    } else {
      const delta = Math.max(0, cost - (prev?.usd ?? 0));
      amount += delta;
      const m = r.model ?? 'unknown';
      models[m] = (models[m] ?? 0) + delta;
    }
    if (key !== null) next[key] = { tokens, usd: cost ?? prev?.usd ?? null };
  }
  for (const m of Object.keys(models)) models[m] = usd(models[m] ?? 0);
  return { amount: usd(amount), models, unpriced, unpricedModels: [...unpricedModels].sort(), seen: next, calls };
}
