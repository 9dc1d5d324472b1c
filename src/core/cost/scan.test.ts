import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrchError } from '../errors.ts';
import type { PriceTable } from '../prices/price-table.ts';
import type { UsageRecord } from './records.ts';
import { dayKeyer, normalizeDate, summarizeUsage, UsageLedger } from './scan.ts';

const rec = (over: Partial<UsageRecord> & { out?: number } = {}): UsageRecord => ({
  messageId: 'msg_1',
  requestId: 'req_1',
  timestamp: '2026-03-01T10:00:00.000Z',
  model: 'm',
  sessionId: 's1',
  project: 'p',
  isSidechain: false,
  costUSD: null,
  usage: { inputTokens: 1, outputTokens: over.out ?? 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
  source: 'f1',
  ...over,
});

/** $1 per output token for model "m"; anything else is unknown. */
const prices: PriceTable = {
  price: (model, u) => (model === 'm' ? { usd: u.outputTokens, source: 'override' } : { usd: null, reason: 'unknown' }),
};

describe('UsageLedger', () => {
  it('keeps the copy with the most tokens, whatever the order, and the main chain over a sidechain', () => {
    const copies = [rec({ out: 1 }), rec({ out: 50 }), rec({ out: 7 }), rec({ out: 999, isSidechain: true, source: 'f0' })];
    fc.assert(
      fc.property(fc.shuffledSubarray(copies, { minLength: copies.length, maxLength: copies.length }), (order) => {
        const l = new UsageLedger();
        for (const r of order) l.add(r);
        expect(l.records().map((r) => r.usage.outputTokens)).toEqual([50]);
        expect(l.seen).toBe(4);
      }),
    );
  });

  it('dedupes on message id alone when the request id is missing, and drops sidechain replays under new request ids', () => {
    const l = new UsageLedger();
    l.add(rec({ requestId: null, out: 3 }));
    l.add(rec({ requestId: null, out: 4 }));
    l.add(rec({ messageId: 'msg_2', requestId: 'req_2', out: 5 }));
    l.add(rec({ messageId: 'msg_2', requestId: 'req_sub', out: 500, isSidechain: true }));
    l.add(rec({ messageId: 'msg_3', requestId: 'req_3', out: 6, isSidechain: true }));
    l.add(rec({ messageId: null, requestId: null, out: 9 }));
    l.add(rec({ messageId: null, requestId: null, out: 9 }));
    expect(l.records().map((r) => r.usage.outputTokens).sort((a, b) => a - b)).toEqual([4, 5, 6, 9, 9]);
  });

  it('breaks ties between identical copies by earliest timestamp, then file', () => {
    const a = rec({ sessionId: 'fork', source: 'z', timestamp: '2026-03-01T10:00:00.000Z' });
    const b = rec({ sessionId: 'orig', source: 'a', timestamp: '2026-03-01T10:00:00.000Z' });
    for (const order of [[a, b], [b, a]]) {
      const l = new UsageLedger();
      for (const r of order) l.add(r);
      expect(l.records()[0]?.sessionId).toBe('orig');
    }
  });
});

describe('summarizeUsage', () => {
  const records = [
    rec({ messageId: 'a', out: 2, timestamp: '2026-03-01T23:30:00.000Z', sessionId: 's1', project: 'p1' }),
    rec({ messageId: 'b', out: 3, timestamp: '2026-03-02T01:00:00.000Z', sessionId: 's1', project: 'p1' }),
    rec({ messageId: 'c', out: 4, timestamp: '2026-03-02T02:00:00.000Z', sessionId: 's2', project: 'p2', model: 'unknown-x' }),
    rec({ messageId: 'd', out: 5, timestamp: '2026-03-03T02:00:00.000Z', sessionId: 's2', project: 'p2', costUSD: 0.25 }),
    rec({ messageId: 'e', out: 0, timestamp: '2026-03-03T03:00:00.000Z', sessionId: 's2', project: 'p2', model: '<synthetic>' }),
  ];

  it('totals per day, session, project and model; unknown prices stay unknown, never 0', () => {
    const r = summarizeUsage(records, [], { prices });
    expect(r.totals).toMatchObject({ requests: 5, outputTokens: 14, costUsd: 2 + 3 + 0.25 + 0, unpricedRequests: 1, unpricedModels: ['unknown-x'] });
    expect(r.daily.map((d) => [d.date, d.requests, d.costUsd])).toEqual([
      ['2026-03-01', 1, 2],
      ['2026-03-02', 2, 3],
      ['2026-03-03', 2, 0.25],
    ]);
    expect(r.models.map((m) => [m.model, m.costUsd, m.unpricedRequests])).toEqual([
      ['m', 5.25, 0],
      ['unknown-x', null, 1],
    ]);
    expect(r.projects.map((p) => [p.project, p.outputTokens])).toEqual([
      ['p1', 5],
      ['p2', 9],
    ]);
    expect(r.sessions.map((s) => [s.sessionId, s.firstActivity, s.lastActivity])).toEqual([
      ['s1', '2026-03-01T23:30:00.000Z', '2026-03-02T01:00:00.000Z'],
      ['s2', '2026-03-02T02:00:00.000Z', '2026-03-03T03:00:00.000Z'],
    ]);
  });

  it('follows the cost mode: auto prefers the line cost, calculate ignores it, display uses only it', () => {
    const d = records.slice(3, 4);
    expect(summarizeUsage(d, [], { prices }).totals.costUsd).toBe(0.25);
    expect(summarizeUsage(d, [], { prices, mode: 'calculate' }).totals.costUsd).toBe(5);
    const disp = summarizeUsage(records.slice(0, 2), [], { prices, mode: 'display' });
    expect(disp.totals.costUsd).toBeNull();
    expect(disp.totals.unpricedRequests).toBe(2);
  });

  it('filters by --since/--until on the day in the chosen time zone', () => {
    expect(summarizeUsage(records, [], { prices, since: '20260302' }).totals.requests).toBe(4);
    expect(summarizeUsage(records, [], { prices, since: '2026-03-02', until: '2026-03-02' }).totals.requests).toBe(2);
    // 23:30Z on Mar 1 is already Mar 2 in Tokyo.
    const tokyo = summarizeUsage(records, [], { prices, since: '2026-03-02', timeZone: 'Asia/Tokyo' });
    expect(tokyo.totals.requests).toBe(5);
    expect(tokyo.daily[0]).toMatchObject({ date: '2026-03-02', requests: 3 });
  });

  it('reports the highest cost-state total per session', () => {
    const cs = (total: number, offset: number) => ({ sessionId: 's1', project: 'p1', totalCostUSD: total, modelCostUSD: {}, source: 'f', offset });
    const r = summarizeUsage(records, [cs(0.5, 10), cs(1.5, 20)], { prices });
    expect(r.sessions.find((s) => s.sessionId === 's1')?.reportedCostUsd).toBe(1.5);
    expect(r.sessions.find((s) => s.sessionId === 's2')?.reportedCostUsd).toBeNull();
  });

  it('rejects bad dates and zones as usage errors', () => {
    expect(() => normalizeDate('2026-13-45x', '--since')).toThrow(OrchError);
    expect(() => summarizeUsage([], [], { prices, since: 'last week' })).toThrow(/--since/);
    expect(() => dayKeyer('Mars/Olympus')).toThrow(OrchError);
    expect(dayKeyer('America/Los_Angeles')('2026-03-02T03:00:00.000Z')).toBe('2026-03-01');
  });
});
