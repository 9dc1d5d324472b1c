import { calcPrice } from '@pydantic/genai-prices';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PricesFileSchema } from '../../schema/prices.ts';
import { genaiPriceTable, providerFor } from './genai-prices.ts';

const u = (inputTokens: number, outputTokens: number, cacheReadInputTokens = 0, cacheCreationInputTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadInputTokens,
  cacheCreationInputTokens,
});

describe('genaiPriceTable', () => {
  const table = genaiPriceTable();

  it('prices claude-sonnet-4-5 at list, $3 in / $15 out per million', () => {
    // Amounts below the 200k long-context threshold, scaled to per-million.
    expect(table.price('claude-sonnet-4-5', u(100_000, 0))).toEqual({ usd: 0.3, source: 'genai-prices' });
    expect(table.price('claude-sonnet-4-5-20250929', u(0, 100_000)).usd).toBeCloseTo(1.5, 12);
    // The figure Claude Code itself reported for 1000 in + 7 out (agents-cost.md §1.4).
    const r = table.price('claude-sonnet-4-5-20250929', u(1000, 7));
    expect(r.usd).toBeCloseTo(0.003105, 12);
  });

  it('prices opus models at their own rates', () => {
    expect(table.price('claude-opus-4-1-20250805', u(1_000_000, 1_000_000)).usd).toBeCloseTo(90, 9);
    // 2000 in + 70 out on claude-opus-4-8 = $0.01175 as Claude Code computed it (testbed notes).
    expect(table.price('claude-opus-4-8', u(2000, 70)).usd).toBeCloseTo(0.01175, 12);
  });

  it('prices cache reads at 0.1x and cache writes at 1.25x input', () => {
    expect(table.price('claude-sonnet-4-5', u(0, 0, 100_000, 0)).usd).toBeCloseTo(0.03, 12);
    expect(table.price('claude-sonnet-4-5', u(0, 0, 0, 100_000)).usd).toBeCloseTo(0.375, 12);
    expect(table.price('claude-sonnet-4-5', u(10_000, 1_000, 50_000, 20_000)).usd).toBeCloseTo(
      (10_000 * 3 + 1_000 * 15 + 50_000 * 0.3 + 20_000 * 3.75) / 1e6,
      12,
    );
  });

  it('applies the >200k tier to the whole request, chosen by total input including cache', () => {
    // 150k uncached + 100k cache read = 250k input: every term at the long-context rate.
    expect(table.price('claude-sonnet-4-5', u(150_000, 10_000, 100_000)).usd).toBeCloseTo(
      (150_000 * 6 + 10_000 * 22.5 + 100_000 * 0.6) / 1e6,
      12,
    );
    // Exactly 200k is still the base tier.
    expect(table.price('claude-sonnet-4-5', u(200_000, 0)).usd).toBeCloseTo(0.6, 12);
  });

  it('lets an override win over the catalogue, also for dated ids it prefixes', () => {
    const t = genaiPriceTable({
      overrides: { 'claude-sonnet-4-5': { inputPerMTok: 1, outputPerMTok: 2 }, 'my-local-model': { inputPerMTok: 0.5, outputPerMTok: 1, cacheReadPerMTok: 0.05 } },
    });
    expect(t.price('claude-sonnet-4-5-20250929', u(1_000_000, 1_000_000, 1_000_000))).toEqual({ usd: 4, source: 'override' });
    expect(t.price('my-local-model', u(1_000_000, 0, 1_000_000))).toEqual({ usd: 0.55, source: 'override' });
    expect(t.price('claude-opus-4-1', u(1_000_000, 0))).toMatchObject({ source: 'genai-prices' });
  });

  it('returns usd: null with a reason for unknown models, never 0 and never a throw', () => {
    for (const m of ['my-local-model', '<synthetic>', '', 'qwen-local:7b']) {
      const r = table.price(m, u(1000, 10));
      expect(r.usd).toBeNull();
      if (r.usd === null) expect(r.reason).toMatch(/model/);
    }
    expect(table.price('claude-sonnet-4-5', u(-1, 0)).usd).toBeNull();
    expect(table.price('claude-sonnet-4-5', u(Number.NaN, 0)).usd).toBeNull();
  });

  it('routes other providers by model prefix', () => {
    expect(providerFor('gpt-4o')).toBe('openai');
    expect(providerFor('gemini-2.5-pro')).toBe('google');
    expect(providerFor('llama-3')).toBeUndefined();
    expect(table.price('gpt-4o', u(1_000_000, 1_000_000)).usd).toBeCloseTo(12.5, 9);
    expect(table.price('gemini-2.5-pro', u(1_000_000, 0)).usd).toBeGreaterThan(0);
  });

  it('computes exactly what calcPrice computes (the local fast path is only a cache)', () => {
    const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5', 'claude-3-5-sonnet-20241022', 'gpt-4o', 'gemini-2.5-pro'];
    const tok = fc.integer({ min: 0, max: 400_000 });
    fc.assert(
      fc.property(fc.constantFrom(...models), tok, tok, tok, tok, (model, i, o, cr, cw) => {
        const got = table.price(model, u(i, o, cr, cw));
        const want = calcPrice(
          { input_tokens: i + cr + cw, cache_read_tokens: cr, cache_write_tokens: cw, output_tokens: o },
          model,
          { providerId: providerFor(model) ?? 'anthropic' },
        );
        expect(want).not.toBeNull();
        expect(got.usd).not.toBeNull();
        expect(Math.abs((got.usd ?? 0) - (want?.total_price ?? 0))).toBeLessThanOrEqual(1e-9 * Math.max(1, want?.total_price ?? 0));
      }),
      { numRuns: 300 },
    );
  });
});

describe('PricesFileSchema', () => {
  it('accepts the documented shape and rejects negative or unknown fields', () => {
    const ok = PricesFileSchema.parse({ schemaVersion: 1, models: { 'my-model': { inputPerMTok: 1, outputPerMTok: 2 } } });
    expect(genaiPriceTable({ overrides: ok.models }).price('my-model', u(1_000_000, 0)).usd).toBe(1);
    expect(PricesFileSchema.safeParse({ schemaVersion: 1, models: { m: { inputPerMTok: -1, outputPerMTok: 2 } } }).success).toBe(false);
    expect(PricesFileSchema.safeParse({ schemaVersion: 1, models: { m: { inputPerMTok: 1, outputPerMTok: 2, inptu: 3 } } }).success).toBe(false);
    expect(PricesFileSchema.safeParse({ schemaVersion: 2, models: {} }).success).toBe(false);
    expect(PricesFileSchema.parse({ schemaVersion: 1 }).models).toEqual({});
  });
});
