import { z } from 'zod';

const rate = z.number().nonnegative();

/** One model's rates in USD per million tokens. Cache rates default to the input rate. */
export const ModelRatesSchema = z.strictObject({
  inputPerMTok: rate,
  outputPerMTok: rate,
  cacheReadPerMTok: rate.optional(),
  cacheWritePerMTok: rate.optional(),
});

/**
 * `.orch/prices.yaml`: price overrides that win over the bundled catalogue, for proxied, private or
 * newly released models. Keys are model ids; a key also covers ids it prefixes (`claude-sonnet-4-5`
 * covers `claude-sonnet-4-5-20250929`).
 */
export const PricesFileSchema = z.strictObject({
  schemaVersion: z.literal(1),
  models: z.record(z.string().min(1), ModelRatesSchema).default({}),
});

export type PricesFile = z.infer<typeof PricesFileSchema>;
