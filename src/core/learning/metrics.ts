import type { SessionEvent } from '../../schema/event.ts';
import type { AggregateMetrics, IssueMetrics, MetricsSnapshot, ReviewerMetrics } from '../../schema/learning.ts';
import type { TrackerIssue } from '../tracker/types.ts';
import { byTime, gateResults, L_EVENT as E, num, str, strings } from './events.ts';
import { distribution, minutesBetween, ratio, round } from './stats.ts';

export interface ConvoyJournal {
  id: string;
  issues: string[];
  events: SessionEvent[];
}

export interface MetricsInput {
  target: MetricsSnapshot['target'];
  /** Events of every session of the epic, and of the epic record. */
  sessionEvents: SessionEvent[];
  epicEvents: SessionEvent[];
  /** The convoys in scope (one for a convoy target, all of the epic's for an epic). */
  convoys: ConvoyJournal[];
  /** Issues as the tracker has them (for titles, labels and lead time); may be empty. */
  tracker: ReadonlyMap<string, TrackerIssue>;
  budgetUsd: number | null;
  computedAt: string;
}

const first = (es: readonly SessionEvent[], type: string): SessionEvent | undefined => es.find((e) => e.type === type);

/** Known charges summed; null when nothing was measured (an unknown cost is not $0). */
export function costOf(events: readonly SessionEvent[]): number | null {
  const amounts = events.filter((e) => e.type === E.costCharged).map((e) => num(e.amount)).filter((x): x is number => x !== null);
  return amounts.length === 0 ? null : round(amounts.reduce((a, b) => a + b, 0), 6);
}

/** Gate regressions that a later run of the same gate fixed (the agent corrected itself). */
export function countCorrections(events: readonly SessionEvent[]): number {
  const open = new Set<string>();
  let n = 0;
  for (const e of events.filter((x) => x.type === E.gateRun).sort(byTime)) {
    const regressed = new Set(strings(e.regressions));
    for (const r of gateResults(e)) {
      if (regressed.has(r.name) && r.status !== 'pass') open.add(r.name);
      else if (r.status === 'pass' && open.delete(r.name)) n++;
    }
  }
  return n;
}

const r2 = (x: number | null): number | null => (x === null ? null : round(x, 2));

interface Item {
  id: string;
  sessionIds: Set<string>;
  journal: SessionEvent[];
}

function issueRow(item: Item, sessionEvents: readonly SessionEvent[], tracked: TrackerIssue | undefined, standalone: boolean): IssueMetrics {
  const own = sessionEvents.filter((e) => item.sessionIds.has(e.sessionId)).sort(byTime);
  const j = item.journal;
  const started = first(own, E.sessionStarted)?.at ?? first(j, E.convoyDispatched)?.at ?? null;
  const success = own.find((e) => e.type === E.sessionCompleted && e.outcome === 'success');
  const merged = first(j, E.convoyMerged);
  const closedEvent = first(j, E.trackerClosed);
  const closedAt = tracked?.closedAt ?? closedEvent?.at ?? (standalone ? (success?.at ?? null) : null);
  const successful = standalone ? success !== undefined : merged !== undefined || closedEvent !== undefined || (tracked?.status === 'closed' && item.sessionIds.size > 0);
  const failedSessions = own.filter((e) => e.type === E.sessionFailed).length;
  // Every dispatch after the first is a retry too: a worker that ended "not done" is sent out again without a send-back event.
  const redispatches = Math.max(0, j.filter((e) => e.type === E.convoyDispatched).length - 1);
  const retries = Math.max(j.filter((e) => e.type === E.convoySentBack || e.type === E.witnessRestart).length + failedSessions, redispatches);
  const taskTitle = str(first(own, E.sessionStarted)?.task);
  const corrections = countCorrections(own);
  return {
    issueId: item.id,
    title: tracked?.title ?? taskTitle,
    labels: tracked?.labels ?? [],
    sessions: item.sessionIds.size,
    retries,
    corrections,
    costUsd: costOf(own),
    successful,
    failed: !successful && (standalone ? own.filter((e) => e.type === E.sessionCompleted || e.type === E.sessionFailed).at(-1)?.type === E.sessionFailed : first(j, E.convoyIssueFailed) !== undefined),
    // First time: done without a retry and without having to correct a regression.
    firstTimeSuccess: successful && retries === 0 && corrections === 0,
    startedAt: started,
    createdAt: tracked?.createdAt ?? null,
    closedAt,
    cycleTimeMinutes: r2(minutesBetween(started, closedAt)),
    leadTimeMinutes: tracked ? r2(minutesBetween(tracked.createdAt, tracked.closedAt)) : null,
  };
}

/** Per-issue rows: convoy issues by their journal, plus the epic's own sessions as one item. */
export function issueMetrics(input: MetricsInput): IssueMetrics[] {
  const items: Item[] = [];
  const claimed = new Set<string>();
  for (const c of input.convoys) {
    const journal = [...c.events].sort(byTime);
    for (const id of c.issues) {
      const mine = journal.filter((e) => e.issueId === id);
      const sessionIds = new Set(mine.filter((e) => e.type === E.convoySession).map((e) => str(e.orchSessionId)).filter((x): x is string => x !== null));
      sessionIds.forEach((s) => claimed.add(s));
      items.push({ id, sessionIds, journal: mine });
    }
  }
  const rows = items.map((it) => issueRow(it, input.sessionEvents, input.tracker.get(it.id), false));
  if (input.target.type === 'epic') {
    const rest = new Set(input.sessionEvents.map((e) => e.sessionId).filter((s) => !claimed.has(s)));
    if (rest.size > 0) rows.push(issueRow({ id: input.target.id, sessionIds: rest, journal: [] }, input.sessionEvents, undefined, true));
  }
  return rows;
}

/** Reviewer efficacy: each finding counted once; the first of addressed / dismissed decides. */
export function reviewerMetrics(events: readonly SessionEvent[]): Record<string, ReviewerMetrics> {
  const state = new Map<string, { reviewer: string; status: 'open' | 'addressed' | 'dismissed' }>();
  for (const e of [...events].sort(byTime)) {
    const id = str(e.findingId);
    if (!id) continue;
    if (e.type === E.reviewFinding) {
      const reviewer = str(e.reviewer);
      if (reviewer && !state.has(id)) state.set(id, { reviewer, status: 'open' });
    } else if (e.type === E.reviewAddressed || e.type === E.reviewDismissed) {
      const s = state.get(id);
      if (s?.status === 'open') s.status = e.type === E.reviewAddressed ? 'addressed' : 'dismissed';
    }
  }
  const out: Record<string, ReviewerMetrics> = {};
  for (const s of state.values()) {
    const r = (out[s.reviewer] ??= { raised: 0, addressed: 0, dismissed: 0, open: 0, addressedRate: null });
    r.raised++;
    r[s.status]++;
  }
  for (const r of Object.values(out)) r.addressedRate = ratio(r.addressed, r.raised);
  return out;
}

export function aggregate(rows: readonly IssueMetrics[], reviewers: Record<string, ReviewerMetrics>): AggregateMetrics {
  const completed = rows.filter((r) => r.successful).length;
  const costs = rows.map((r) => r.costUsd).filter((c): c is number => c !== null);
  const total = costs.length === 0 ? null : round(costs.reduce((a, b) => a + b, 0), 6);
  const r4 = (x: number | null): number | null => (x === null ? null : round(x));
  return {
    issues: rows.length,
    completed,
    failed: rows.filter((r) => r.failed).length,
    inProgress: rows.filter((r) => !r.successful && !r.failed).length,
    cycleTime: distribution(rows.map((r) => r.cycleTimeMinutes)),
    leadTime: distribution(rows.map((r) => r.leadTimeMinutes)),
    iterations: distribution(rows.filter((r) => r.sessions > 0).map((r) => r.sessions)),
    retries: rows.reduce((a, r) => a + r.retries, 0),
    issuesWithRetries: rows.filter((r) => r.retries > 0).length,
    corrections: rows.reduce((a, r) => a + r.corrections, 0),
    totalCostUsd: total,
    costPerIssue: total === null ? null : r4(ratio(total, costs.length)),
    costPerSuccess: total === null ? null : r4(ratio(total, completed)),
    successRate: r4(ratio(completed, rows.length)),
    firstTimeSuccessRate: r4(ratio(rows.filter((r) => r.firstTimeSuccess).length, rows.length)),
    reviewers,
  };
}

export function costSeries(events: readonly SessionEvent[]): MetricsSnapshot['costSeries'] {
  let sum = 0;
  return events
    .filter((e) => e.type === E.costCharged && num(e.amount) !== null)
    .sort(byTime)
    .map((e) => ({ at: e.at, cumulativeUsd: round((sum += num(e.amount)!), 6) }));
}

export function computeMetrics(input: MetricsInput): MetricsSnapshot {
  const rows = issueMetrics(input);
  const inScope = input.target.type === 'epic' ? null : new Set(input.convoys.flatMap((c) => c.events.filter((e) => e.type === E.convoySession || e.type === E.convoyReview).map((e) => str(e.orchSessionId))));
  const scoped = inScope ? input.sessionEvents.filter((e) => inScope.has(e.sessionId)) : input.sessionEvents;
  return {
    schemaVersion: 1,
    target: input.target,
    computedAt: input.computedAt,
    issues: rows,
    aggregate: aggregate(rows, reviewerMetrics([...scoped, ...input.epicEvents.filter((e) => e.type !== E.reviewFinding)])),
    costSeries: costSeries(scoped),
    budgetUsd: input.budgetUsd,
  };
}
