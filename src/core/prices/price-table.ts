/** Token counts of one model call, in Anthropic's convention: `inputTokens` excludes cache reads and writes. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

export type Price =
  | { usd: number; source: 'override' | 'genai-prices' }
  /** Unknown model or unusable usage: the caller must show "unknown", never treat it as $0. */
  | { usd: null; reason: string };

/** Prices one call. Must not throw: an unpriceable call is `usd: null` with a reason. */
export interface PriceTable {
  price(model: string, usage: TokenUsage): Price;
}

/** Per-million-token rates for one model, as written in `.orch/prices.yaml`. */
export interface ModelRates {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Defaults to the input rate when absent. */
  cacheReadPerMTok?: number | undefined;
  /** Defaults to the input rate when absent. */
  cacheWritePerMTok?: number | undefined;
}

/** Rates from the user's override file, which win over any catalogue. */
export function priceFromRates(rates: ModelRates, usage: TokenUsage): number {
  const read = rates.cacheReadPerMTok ?? rates.inputPerMTok;
  const write = rates.cacheWritePerMTok ?? rates.inputPerMTok;
  return (
    (usage.inputTokens * rates.inputPerMTok +
      usage.outputTokens * rates.outputPerMTok +
      usage.cacheReadInputTokens * read +
      usage.cacheCreationInputTokens * write) /
    1e6
  );
}

/** Finds the override for a model: exact (case-insensitive) key, else the longest key that prefixes the model
 * id, so `claude-sonnet-4-5` also covers `claude-sonnet-4-5-20250929`. */
export function findOverride(overrides: Readonly<Record<string, ModelRates>>, model: string): ModelRates | undefined {
  const m = model.toLowerCase();
  let best: { key: string; rates: ModelRates } | undefined;
  for (const [key, rates] of Object.entries(overrides)) {
    const k = key.toLowerCase();
    if (k === m) return rates;
    if (m.startsWith(k) && (best === undefined || k.length > best.key.length)) best = { key: k, rates };
  }
  return best?.rates;
}

export function usageIsValid(usage: TokenUsage): boolean {
  return [usage.inputTokens, usage.outputTokens, usage.cacheReadInputTokens, usage.cacheCreationInputTokens].every(
    (n) => Number.isFinite(n) && n >= 0,
  );
}
