import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../cost/records.ts';
import type { PriceTable } from '../prices/price-table.ts';
import { chargeNewCalls } from './cost.ts';
import { budgetDenyReason, budgetWithPending, stopShouldCheckpoint } from './state.ts';

// $1 per input token, $10 per output token: easy sums.
const prices: PriceTable = { price: (m, u) => (m === 'known' ? { usd: u.inputTokens + 10 * u.outputTokens, source: 'override' } : { usd: null, reason: 'unknown' }) };

const rec = (messageId: string | null, requestId: string | null, input: number, output: number, model = 'known'): UsageRecord => ({
  messageId,
  requestId,
  timestamp: '2026-01-01T00:00:00.000Z',
  model,
  sessionId: 's',
  project: 'p',
  isSidechain: false,
  costUSD: null,
  usage: { inputTokens: input, outputTokens: output, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
  source: 'f',
});

describe('chargeNewCalls', () => {
  it('charges each call once within a batch, keeping the copy with the most tokens', () => {
    const d = chargeNewCalls([rec('m1', 'r1', 5, 1), rec('m1', 'r1', 5, 3), rec('m1', 'r1', 5, 2), rec('m2', 'r2', 1, 0)], {}, prices);
    expect(d.amount).toBe(35 + 1);
    expect(d.calls).toBe(3);
    expect(d.models).toEqual({ known: 36 });
  });

  it('dedupes across calls through the saved keys, charging only an improvement', () => {
    const first = chargeNewCalls([rec('m1', 'r1', 5, 1)], {}, prices);
    expect(first.amount).toBe(15);
    const again = chargeNewCalls([rec('m1', 'r1', 5, 1)], first.seen, prices);
    expect(again).toMatchObject({ amount: 0, calls: 0 });
    const better = chargeNewCalls([rec('m1', 'r1', 5, 4)], first.seen, prices);
    expect(better.amount).toBe(45 - 15);
    const sameMessageOtherRequest = chargeNewCalls([rec('m1', 'r9', 5, 1)], better.seen, prices);
    expect(sameMessageOtherRequest.amount).toBe(15);
  });

  it('counts an unpriced call once, never as $0, and charges records without ids every time', () => {
    const d = chargeNewCalls([rec('m1', 'r1', 5, 1, 'mystery'), rec('m1', 'r1', 5, 2, 'mystery')], {}, prices);
    expect(d).toMatchObject({ amount: 0, unpriced: 1, unpricedModels: ['mystery'] });
    expect(chargeNewCalls([rec('m1', 'r1', 5, 2, 'mystery')], d.seen, prices).unpriced).toBe(0);
    const keyless = chargeNewCalls([rec(null, null, 1, 0), rec(null, null, 1, 0)], {}, prices);
    expect(keyless.amount).toBe(2);
    expect(chargeNewCalls([rec('m', 'r', 1, 1, '<synthetic>')], {}, prices).amount).toBe(0);
  });
});

describe('stopShouldCheckpoint', () => {
  const t0 = '2026-01-01T00:00:00.000Z';
  const at = (min: number): Date => new Date(Date.parse(t0) + min * 60_000);
  const cost = { spent: 1, budget: 10 };

  it('always checkpoints the first Stop, then only once the interval has passed', () => {
    expect(stopShouldCheckpoint({ lastStopCheckpointAt: null, lastCheckpointAt: t0, costThresholdFiredFor: null }, at(0), cost).checkpoint).toBe(true);
    const after = { lastStopCheckpointAt: t0, lastCheckpointAt: t0, costThresholdFiredFor: null };
    expect(stopShouldCheckpoint(after, at(14.9), cost).checkpoint).toBe(false);
    expect(stopShouldCheckpoint(after, at(15), cost)).toMatchObject({ checkpoint: true, reason: 'Stop (15 min since the last checkpoint)' });
  });

  it('checkpoints early at the cost threshold (once) and when the budget is spent', () => {
    const s = { lastStopCheckpointAt: t0, lastCheckpointAt: t0, costThresholdFiredFor: null };
    expect(stopShouldCheckpoint(s, at(1), { spent: 8, budget: 10 })).toMatchObject({ checkpoint: true, thresholdFired: true });
    expect(stopShouldCheckpoint({ ...s, costThresholdFiredFor: 10 }, at(1), { spent: 8, budget: 10 }).checkpoint).toBe(false);
    expect(stopShouldCheckpoint({ ...s, costThresholdFiredFor: 10 }, at(1), { spent: 10, budget: 10 }).checkpoint).toBe(true);
  });
});

describe('budget deny decision', () => {
  it('adds the pending transcript cost to the recorded spend', () => {
    expect(budgetDenyReason('e', budgetWithPending(1, [{ costUsd: 0.6 }], 0.3))).toBeNull();
    const reason = budgetDenyReason('e', budgetWithPending(1, [{ costUsd: 0.6 }], 0.4));
    expect(reason).toMatch(/budget of epic e is spent/);
    expect(reason).toMatch(/--budget <amount>/);
    expect(budgetDenyReason('e', budgetWithPending(null, [{ costUsd: 99 }], 0))).toBeNull();
  });
});
