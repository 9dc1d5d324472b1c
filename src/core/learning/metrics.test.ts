import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBeadsExport } from '../../../test/support/fake-bd/index.ts';
import { BeadsIssue, toTrackerIssue } from '../../schema/beads.ts';
import type { SessionEvent } from '../../schema/event.ts';
import type { IssueMetrics } from '../../schema/learning.ts';
import type { TrackerIssue } from '../tracker/types.ts';
import { metricsHtml } from './html.ts';
import { aggregate, computeMetrics } from './metrics.ts';
import { compareMetrics, metricRows, NO_DATA } from './render.ts';
import { median, percentile } from './stats.ts';

const row = (p: Partial<IssueMetrics>): IssueMetrics => ({
  issueId: 'x', title: null, labels: [], sessions: 1, retries: 0, corrections: 0, costUsd: null, successful: false, failed: false, firstTimeSuccess: false,
  startedAt: null, createdAt: null, closedAt: null, cycleTimeMinutes: null, leadTimeMinutes: null, ...p,
});
const arbRow = fc.record({
  sessions: fc.integer({ min: 0, max: 9 }),
  retries: fc.integer({ min: 0, max: 5 }),
  costUsd: fc.option(fc.double({ min: 0, max: 50, noNaN: true }), { nil: null }),
  successful: fc.boolean(),
  cycleTimeMinutes: fc.option(fc.double({ min: 0, max: 1e5, noNaN: true }), { nil: null }),
}).map((r) => row({ ...r, firstTimeSuccess: r.successful && r.retries === 0 }));

describe('metric arithmetic (properties)', () => {
  it('median and p90 lie within the values, do not depend on order, and p90 ≥ median', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), (v) => {
        const m = median(v)!;
        const p = percentile(v, 90)!;
        expect(m).toBeGreaterThanOrEqual(Math.min(...v));
        expect(p).toBeLessThanOrEqual(Math.max(...v));
        expect(p).toBeGreaterThanOrEqual(m - 1e-9);
        expect(v).toContain(p); // nearest rank is one of the values
        expect(median([...v].reverse())).toBe(m);
      }),
    );
  });

  it('aggregates: total = sum of known costs; cost per success ≥ cost per issue; rates in [0, 1]; counts add up', () => {
    fc.assert(
      fc.property(fc.array(arbRow, { maxLength: 40 }), (rows) => {
        const a = aggregate(rows, {});
        const known = rows.map((r) => r.costUsd).filter((c): c is number => c !== null);
        if (known.length === 0) expect(a.totalCostUsd).toBeNull();
        else expect(a.totalCostUsd).toBeCloseTo(known.reduce((x, y) => x + y, 0), 5);
        expect(a.completed + a.failed + a.inProgress).toBe(rows.length);
        for (const r of [a.successRate, a.firstTimeSuccessRate]) if (r !== null) expect(r >= 0 && r <= 1).toBe(true);
        if (rows.length === 0) expect([a.successRate, a.firstTimeSuccessRate, a.cycleTime.median, a.costPerIssue]).toEqual([null, null, null, null]);
        if (a.completed === 0) expect(a.costPerSuccess).toBeNull();
        if (a.costPerSuccess !== null && a.costPerIssue !== null && known.length === rows.length) expect(a.costPerSuccess).toBeGreaterThanOrEqual(a.costPerIssue - 1e-3);
        expect(a.firstTimeSuccessRate ?? 0).toBeLessThanOrEqual(a.successRate ?? 0);
        expect(a.cycleTime.count).toBe(rows.filter((r) => r.cycleTimeMinutes !== null).length);
      }),
    );
  });

  it('a figure with nothing behind it reads "no data", never 0', () => {
    const rows = Object.fromEntries(metricRows(aggregate([], {})));
    for (const k of ['success rate', 'cycle time', 'lead time', 'total cost', 'cost per success', 'reviewer efficacy', 'retries']) expect(rows[k]).toBe(NO_DATA);
    const one = Object.fromEntries(metricRows(aggregate([row({ sessions: 1, costUsd: 0 })], {})));
    expect(one['total cost']).toBe('$0.00'); // measured zero is a figure
    expect(one['cost per success']).toBe(NO_DATA);
    expect(compareMetrics(aggregate([], {}), aggregate([row({ successful: true })], {})).find((r) => r.metric === 'success rate')).toMatchObject({ a: null, b: 1, change: null, better: null });
  });
});

describe('real tracker data (Gas Town beads export, 677 issues)', () => {
  it('lead time from created → closed of every closed issue, matching an independent computation', () => {
    const ex = loadBeadsExport();
    const issues = new Map<string, TrackerIssue>(ex.issues.map((raw) => [raw.id, toTrackerIssue(BeadsIssue.parse(raw))]));
    const ids = [...issues.keys()];
    const m = computeMetrics({ target: { type: 'convoy', id: 'gt', epicId: 'gt' }, sessionEvents: [], epicEvents: [], convoys: [{ id: 'gt', issues: ids, events: [] }], tracker: issues, budgetUsd: null, computedAt: 'now' });
    const expected = ex.issues.filter((i) => i.status === 'closed' && i.closed_at).map((i) => (Date.parse(String(i.closed_at)) - Date.parse(String(i.created_at))) / 60_000).filter((x) => x >= 0).sort((a, b) => a - b);
    expect(m.aggregate.leadTime.count).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(600);
    expect(m.aggregate.leadTime.p90).toBeCloseTo(expected[Math.ceil(0.9 * expected.length) - 1]!, 1);
    const mid = expected.length >> 1;
    expect(m.aggregate.leadTime.median).toBeCloseTo(expected.length % 2 ? expected[mid]! : (expected[mid - 1]! + expected[mid]!) / 2, 1);
    // No session worked them: cycle time, cost and iterations have no data (not 0).
    expect([m.aggregate.cycleTime.count, m.aggregate.totalCostUsd, m.aggregate.iterations.count]).toEqual([0, null, 0]);
    expect(metricsHtml(m)).toContain('<p class="no-data" data-chart="cost">no data</p>');
  });
});

describe('convoy issues from recorded journal events', () => {
  let n = 0;
  const ev = (type: string, at: string, p: Record<string, unknown> = {}, session = 'convoy:c'): SessionEvent => ({ id: `ev_${++n}`, at, type, sessionId: session, sessionNumber: 1, ...p });
  it('cycle time from the first session start to close, retries from send-backs and restarts, cost per issue, reviewer efficacy', () => {
    const journal = [
      ev('convoy.dispatched', '2026-01-01T10:00:00.000Z', { issueId: 'a', attempt: 1 }),
      ev('convoy.session', '2026-01-01T10:00:01.000Z', { issueId: 'a', orchSessionId: 's1' }),
      ev('convoy.sent_back', '2026-01-01T10:30:00.000Z', { issueId: 'a', reason: 'merge conflict' }),
      ev('convoy.session', '2026-01-01T10:31:00.000Z', { issueId: 'a', orchSessionId: 's2' }),
      ev('convoy.merged', '2026-01-01T11:00:00.000Z', { issueId: 'a', files: ['x'] }),
      ev('tracker.closed', '2026-01-01T11:00:00.000Z', { issueId: 'a' }),
      ev('convoy.dispatched', '2026-01-01T10:00:00.000Z', { issueId: 'b', attempt: 1 }),
      ev('witness.restart', '2026-01-01T10:40:00.000Z', { issueId: 'b' }),
      ev('convoy.issue_failed', '2026-01-01T12:00:00.000Z', { issueId: 'b', reason: 'attempts used up' }),
    ];
    const sessions = [
      ev('session.started', '2026-01-01T10:00:05.000Z', {}, 's1'),
      ev('cost.charged', '2026-01-01T10:20:00.000Z', { amount: 0.5 }, 's1'),
      ev('cost.charged', '2026-01-01T10:50:00.000Z', { amount: null }, 's2'),
      ev('review.finding', '2026-01-01T10:51:00.000Z', { findingId: 'f1', reviewer: 'security' }, 's2'),
      ev('review.finding', '2026-01-01T10:52:00.000Z', { findingId: 'f2', reviewer: 'security' }, 's2'),
      ev('session.started', '2026-01-01T09:00:00.000Z', {}, 'unrelated'),
    ];
    const epicEvents = [ev('review.addressed', '2026-01-01T11:00:00.000Z', { findingId: 'f1' }, 'epic:e'), ev('review.dismissed', '2026-01-01T11:01:00.000Z', { findingId: 'f1' }, 'epic:e')];
    const m = computeMetrics({ target: { type: 'convoy', id: 'c', epicId: 'e' }, sessionEvents: sessions, epicEvents, convoys: [{ id: 'c', issues: ['a', 'b'], events: journal }], tracker: new Map(), budgetUsd: 2, computedAt: 'now' });
    const [a, b] = m.issues;
    expect(a).toMatchObject({ sessions: 2, retries: 1, costUsd: 0.5, successful: true, firstTimeSuccess: false, cycleTimeMinutes: 59.92, leadTimeMinutes: null });
    expect(b).toMatchObject({ sessions: 0, retries: 1, costUsd: null, successful: false, failed: true, cycleTimeMinutes: null });
    expect(m.aggregate).toMatchObject({ completed: 1, failed: 1, inProgress: 0, successRate: 0.5, totalCostUsd: 0.5, costPerSuccess: 0.5 });
    expect(m.aggregate.reviewers).toEqual({ security: { raised: 2, addressed: 1, dismissed: 0, open: 1, addressedRate: 0.5 } });
    expect(m.costSeries).toEqual([{ at: '2026-01-01T10:20:00.000Z', cumulativeUsd: 0.5 }]);
  });
});
