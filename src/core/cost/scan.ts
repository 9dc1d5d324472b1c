/** Pure aggregation of transcript usage: dedupe, price, total per day / session / project / model. */
import { OrchError } from '../errors.ts';
import type { PriceTable } from '../prices/price-table.ts';
import { totalTokens, type CostStateRecord, type UsageRecord } from './records.ts';

/**
 * ccusage's cost modes. `auto` (its default, and ours): a cost written on the line wins, otherwise the
 * tokens are priced. `calculate`: always price tokens. `display`: only line costs; a call without one is
 * reported as unpriced (ccusage would count it as $0).
 */
export type CostMode = 'auto' | 'calculate' | 'display';

/** `message.id` + `requestId`; `message.id` alone when a gateway omits the request id; null = not dedupable. */
export function dedupeKey(r: UsageRecord): string | null {
  if (r.messageId === null) return null;
  return r.requestId === null ? r.messageId : `${r.messageId}\u0000${r.requestId}`;
}

/** Does `b` replace `a` as the record kept for one call? Main chain beats sidechain, then more tokens,
 * then (for identical copies) the earlier timestamp and file, so the result never depends on read order. */
function better(b: UsageRecord, a: UsageRecord): boolean {
  if (a.isSidechain !== b.isSidechain) return a.isSidechain;
  const ta = totalTokens(a.usage);
  const tb = totalTokens(b.usage);
  if (ta !== tb) return tb > ta;
  if (a.timestamp !== b.timestamp) return b.timestamp < a.timestamp;
  return b.source < a.source;
}

/** Collects records from any number of files in any order; duplicates of one call collapse to one. */
export class UsageLedger {
  readonly #byKey = new Map<string, UsageRecord>();
  readonly #unkeyed: UsageRecord[] = [];
  readonly #costStates = new Map<string, CostStateRecord>();
  #seen = 0;

  add(r: UsageRecord): void {
    this.#seen++;
    const key = dedupeKey(r);
    if (key === null) {
      this.#unkeyed.push(r);
      return;
    }
    const prev = this.#byKey.get(key);
    if (prev === undefined || better(r, prev)) this.#byKey.set(key, r);
  }

  /** Keeps the last cost-state per session file: each one is the cumulative total at that process exit. */
  addCostState(c: CostStateRecord): void {
    const key = `${c.source}\u0000${c.sessionId}`;
    const prev = this.#costStates.get(key);
    if (prev === undefined || c.offset > prev.offset) this.#costStates.set(key, c);
  }

  get seen(): number {
    return this.#seen;
  }

  /** The kept records. A sidechain copy that replays a main-chain call under a new request id (same
   * message id) is dropped here, once every file is in, so the outcome does not depend on read order. */
  records(): UsageRecord[] {
    const kept = [...this.#byKey.values(), ...this.#unkeyed];
    if (!kept.some((r) => r.isSidechain)) return kept;
    const mainIds = new Set<string>();
    for (const r of kept) if (!r.isSidechain && r.messageId !== null) mainIds.add(r.messageId);
    return kept.filter((r) => !r.isSidechain || r.messageId === null || !mainIds.has(r.messageId));
  }

  costStates(): CostStateRecord[] {
    return [...this.#costStates.values()];
  }
}

export interface Totals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  /** Sum over priced calls; null when none of the calls could be priced. */
  costUsd: number | null;
  /** Calls whose cost is unknown: `costUsd` is then a lower bound. */
  unpricedRequests: number;
}

export interface CostReport {
  schemaVersion: 1;
  mode: CostMode;
  since: string | null;
  until: string | null;
  timeZone: string;
  totals: Totals & { unpricedModels: string[] };
  daily: (Totals & { date: string })[];
  sessions: (Totals & {
    sessionId: string;
    project: string;
    firstActivity: string;
    lastActivity: string;
    /** Claude Code's own cumulative figure from the session's last cost-state line(s), if any. */
    reportedCostUsd: number | null;
  })[];
  projects: (Totals & { project: string })[];
  models: (Totals & { model: string })[];
}

export interface SummarizeOptions {
  prices: PriceTable;
  mode?: CostMode;
  /** Inclusive local dates, `YYYY-MM-DD` or `YYYYMMDD`. */
  since?: string;
  until?: string;
  /** IANA zone for day boundaries; default UTC. */
  timeZone?: string;
}

/** `2026-01-05` or `20260105` → `2026-01-05`; anything else is a usage error. */
export function normalizeDate(d: string, flag: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(d);
  const iso = m === null ? '' : `${m[1]}-${m[2]}-${m[3]}`;
  if (iso === '' || Number.isNaN(Date.parse(`${iso}T00:00:00Z`))) {
    throw new OrchError('usage', `${flag} must be a date like 2026-01-31 or 20260131, got "${d}"`);
  }
  return iso;
}

/** Day of an ISO timestamp in a zone. UTC is a slice; other zones go through Intl, cached per minute. */
export function dayKeyer(timeZone: string): (iso: string) => string {
  if (timeZone === 'UTC') return (iso) => iso.slice(0, 10);
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    throw new OrchError('usage', `unknown time zone "${timeZone}"`, { hint: 'use an IANA name such as Europe/Berlin' });
  }
  const cache = new Map<string, string>();
  return (iso) => {
    const minute = iso.slice(0, 16);
    let day = cache.get(minute);
    if (day === undefined) {
      if (cache.size > 100_000) cache.clear();
      day = fmt.format(new Date(iso));
      cache.set(minute, day);
    }
    return day;
  };
}

const emptyTotals = (): Totals => ({
  requests: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationTokens: 0,
  cacheReadTokens: 0,
  totalTokens: 0,
  costUsd: null,
  unpricedRequests: 0,
});

function addTo(t: Totals, r: UsageRecord, usd: number | null): void {
  const u = r.usage;
  t.requests++;
  t.inputTokens += u.inputTokens;
  t.outputTokens += u.outputTokens;
  t.cacheCreationTokens += u.cacheCreationInputTokens;
  t.cacheReadTokens += u.cacheReadInputTokens;
  t.totalTokens += totalTokens(u);
  if (usd === null) t.unpricedRequests++;
  else t.costUsd = (t.costUsd ?? 0) + usd;
}

/** The model name Claude Code writes on replies it made up locally (API errors): never billed. */
const SYNTHETIC = '<synthetic>';

/** What one recorded call cost under a cost mode; null = unknown (never counted as $0). */
export function costOf(r: UsageRecord, mode: CostMode, prices: PriceTable): number | null {
  if (r.model === SYNTHETIC) return 0;
  if (mode !== 'calculate' && r.costUSD !== null) return r.costUSD;
  if (mode === 'display' || r.model === null) return null;
  return prices.price(r.model, r.usage).usd;
}

function bucket<K>(m: Map<K, Totals>, k: K): Totals {
  let t = m.get(k);
  if (t === undefined) m.set(k, (t = emptyTotals()));
  return t;
}

export function summarizeUsage(
  records: readonly UsageRecord[],
  costStates: readonly CostStateRecord[],
  opts: SummarizeOptions,
): CostReport {
  const mode = opts.mode ?? 'auto';
  const timeZone = opts.timeZone ?? 'UTC';
  const since = opts.since === undefined ? null : normalizeDate(opts.since, '--since');
  const until = opts.until === undefined ? null : normalizeDate(opts.until, '--until');
  const dayOf = dayKeyer(timeZone);

  const totals = emptyTotals();
  const daily = new Map<string, Totals>();
  const sessions = new Map<string, Totals & { project: string; first: string; last: string }>();
  const projects = new Map<string, Totals>();
  const models = new Map<string, Totals>();
  const unpriced = new Set<string>();

  for (const r of records) {
    const day = dayOf(r.timestamp);
    if ((since !== null && day < since) || (until !== null && day > until)) continue;
    const usd = costOf(r, mode, opts.prices);
    if (usd === null) unpriced.add(r.model ?? 'unknown');
    addTo(totals, r, usd);
    addTo(bucket(daily, day), r, usd);
    addTo(bucket(projects, r.project), r, usd);
    if (r.model !== SYNTHETIC) addTo(bucket(models, r.model ?? 'unknown'), r, usd);
    let s = sessions.get(r.sessionId);
    if (s === undefined) {
      s = { ...emptyTotals(), project: r.project, first: r.timestamp, last: r.timestamp };
      sessions.set(r.sessionId, s);
    }
    addTo(s, r, usd);
    if (r.timestamp < s.first) s.first = r.timestamp;
    if (r.timestamp > s.last) s.last = r.timestamp;
  }

  // Cumulative per conversation: the highest total a session's cost-state lines reached.
  const reported = new Map<string, number>();
  for (const c of costStates) reported.set(c.sessionId, Math.max(reported.get(c.sessionId) ?? 0, c.totalCostUSD));

  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    schemaVersion: 1,
    mode,
    since,
    until,
    timeZone,
    totals: { ...totals, unpricedModels: [...unpriced].sort() },
    daily: sorted(daily).map(([date, t]) => ({ date, ...t })),
    sessions: sorted(sessions).map(([sessionId, { project, first, last, ...t }]) => ({
      sessionId,
      project,
      firstActivity: first,
      lastActivity: last,
      reportedCostUsd: reported.get(sessionId) ?? null,
      ...t,
    })),
    projects: sorted(projects).map(([project, t]) => ({ project, ...t })),
    models: sorted(models).map(([model, t]) => ({ model, ...t })),
  };
}
