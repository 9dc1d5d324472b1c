import { createRequire } from 'node:module';
import type * as Genai from '@pydantic/genai-prices';
import type { ModelPrice, TieredPrices } from '@pydantic/genai-prices';
import {
  findOverride,
  priceFromRates,
  usageIsValid,
  type ModelRates,
  type Price,
  type PriceTable,
  type TokenUsage,
} from '../../core/prices/price-table.ts';

let lib: typeof Genai | undefined;
/**
 * The catalogue (~800 KB of model data) loads on the first price asked, not with every command:
 * a convoy worker of a command agent, `orch run` and the dispatcher never price anything, and
 * compiling it cost each of them ~60 ms of CPU at start-up. Its CommonJS build loads synchronously.
 */
const genai = (): typeof Genai => (lib ??= createRequire(import.meta.url)('@pydantic/genai-prices') as typeof Genai);

/** Model-name prefixes → genai-prices provider ids. Without a hint genai-prices guesses, and can pick a
 * reseller's price for the same model name. */
const PROVIDER_BY_PREFIX: readonly (readonly [RegExp, string])[] = [
  [/^claude-/, 'anthropic'],
  [/^(gpt-|chatgpt-|o1|o3|o4|codex-)/, 'openai'],
  [/^gemini-/, 'google'],
  [/^deepseek-/, 'deepseek'],
  [/^(mistral-|codestral-|devstral-|magistral-)/, 'mistral'],
  [/^grok-/, 'x-ai'],
  [/^(kimi-|moonshot-)/, 'moonshotai'],
];

export function providerFor(model: string): string | undefined {
  const m = model.toLowerCase();
  return PROVIDER_BY_PREFIX.find(([re]) => re.test(m))?.[1];
}

/** genai-prices counts `input_tokens` as the total, cache reads and writes included. */
function toGenaiUsage(u: TokenUsage): Record<string, number> {
  return {
    input_tokens: u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens,
    cache_read_tokens: u.cacheReadInputTokens,
    cache_write_tokens: u.cacheCreationInputTokens,
    output_tokens: u.outputTokens,
  };
}

type Rate = number | TieredPrices;
/** The four rates a Claude-style price carries; when a model has exactly these we compute locally. */
interface LinearPrice {
  input: Rate;
  output: Rate;
  cacheRead: Rate;
  cacheWrite: Rate;
}
/** Keys whose usage we never report, so they cannot change the result. */
const INERT_KEYS = new Set(['web_searches_kcount', 'storage_searches_kcount', 'cache_write_1h_mtok']);

function linearPrice(mp: ModelPrice): LinearPrice | null {
  for (const k of Object.keys(mp)) {
    if (!INERT_KEYS.has(k) && !['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok'].includes(k)) {
      return null;
    }
  }
  const { input_mtok: input, output_mtok: output, cache_read_mtok: cacheRead, cache_write_mtok: cacheWrite } = mp;
  if (input === undefined || output === undefined || cacheRead === undefined || cacheWrite === undefined) return null;
  return { input, output, cacheRead, cacheWrite };
}

/** Same rule as genai-prices: the tier is chosen by the request's total input tokens (strictly above start). */
function rateAt(rate: Rate, totalInput: number): number {
  if (typeof rate === 'number') return rate;
  let r = rate.base;
  for (const t of rate.tiers) if (totalInput > t.start) r = t.price;
  return r;
}

function computeLinear(p: LinearPrice, u: TokenUsage): number {
  const total = u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens;
  return (
    (u.inputTokens * rateAt(p.input, total) +
      u.cacheReadInputTokens * rateAt(p.cacheRead, total) +
      u.cacheCreationInputTokens * rateAt(p.cacheWrite, total) +
      u.outputTokens * rateAt(p.output, total)) /
    1e6
  );
}

type Resolved = { kind: 'linear'; price: LinearPrice } | { kind: 'catalogue' } | { kind: 'unknown' };

export interface GenaiPriceTableOptions {
  /** Overrides (from `.orch/prices.yaml`), winning over the catalogue. */
  overrides?: Readonly<Record<string, ModelRates>>;
  /** Price date for time-dependent catalogue entries; default: now. */
  at?: Date;
}

/**
 * PriceTable over the offline @pydantic/genai-prices catalogue. Model resolution in genai-prices costs
 * ~13 µs a call, too slow for a million transcript records, so each model is resolved once and, when its
 * price is the plain four-rate (optionally tiered) shape, later calls are computed here with the same rule;
 * anything else goes through `calcPrice` every time. The equivalence is tested.
 */
export function genaiPriceTable(opts: GenaiPriceTableOptions = {}): PriceTable {
  const overrides = opts.overrides ?? {};
  const resolved = new Map<string, Resolved>();
  const options = (model: string): { providerId?: string; timestamp?: Date } => {
    const providerId = providerFor(model);
    return {
      ...(providerId === undefined ? {} : { providerId }),
      ...(opts.at === undefined ? {} : { timestamp: opts.at }),
    };
  };

  const viaCatalogue = (model: string, usage: TokenUsage): Price => {
    let r: ReturnType<typeof Genai.calcPrice>;
    try {
      r = genai().calcPrice(toGenaiUsage(usage), model, options(model));
    } catch (e) {
      return { usd: null, reason: `genai-prices failed for ${model}: ${(e as Error).message}` };
    }
    if (r === null) return { usd: null, reason: `no price known for model ${model}` };
    return { usd: r.total_price, source: 'genai-prices' };
  };

  const resolve = (model: string, usage: TokenUsage): Resolved => {
    let first: ReturnType<typeof Genai.calcPrice>;
    try {
      first = genai().calcPrice(toGenaiUsage(usage), model, options(model));
    } catch {
      return { kind: 'catalogue' }; // viaCatalogue turns the same error into a reason
    }
    if (first === null) return { kind: 'unknown' };
    const lin = linearPrice(first.model_price);
    return lin === null ? { kind: 'catalogue' } : { kind: 'linear', price: lin };
  };

  return {
    price(model, usage) {
      if (!usageIsValid(usage)) return { usd: null, reason: 'token counts must be finite and non-negative' };
      const override = findOverride(overrides, model);
      if (override !== undefined) return { usd: priceFromRates(override, usage), source: 'override' };
      if (model.trim() === '') return { usd: null, reason: 'empty model id' };

      let res = resolved.get(model);
      if (res === undefined) {
        res = resolve(model, usage);
        resolved.set(model, res);
      }
      switch (res.kind) {
        case 'unknown':
          return { usd: null, reason: `no price known for model ${model}` };
        case 'linear':
          return { usd: computeLinear(res.price, usage), source: 'genai-prices' };
        case 'catalogue':
          return viaCatalogue(model, usage);
      }
    },
  };
}
