import type { AggregateMetrics, Distribution, MetricsSnapshot } from '../../schema/learning.ts';

/** Every figure as text; null is "no data", never 0. */
export const NO_DATA = 'no data';
const usd = (n: number | null): string => (n === null ? NO_DATA : `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`);
const pct = (n: number | null): string => (n === null ? NO_DATA : `${(n * 100).toFixed(1)}%`);
const mins = (n: number | null): string => (n === null ? NO_DATA : n >= 120 ? `${(n / 60).toFixed(1)} h` : n < 1 ? `${Math.round(n * 60)} s` : `${n.toFixed(1)} min`);
const dist = (d: Distribution, f: (n: number | null) => string): string => (d.count === 0 ? NO_DATA : `median ${f(d.median)}, p90 ${f(d.p90)}, mean ${f(d.mean)} (n=${d.count})`);

export function metricRows(a: AggregateMetrics): [string, string][] {
  const reviewers = Object.entries(a.reviewers)
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([n, r]) => `${n}: ${r.raised} raised, ${r.addressed} addressed, ${r.dismissed} dismissed, ${r.open} open`);
  return [
    ['issues', `${a.issues} (${a.completed} done, ${a.failed} failed, ${a.inProgress} in progress)`],
    ['success rate', pct(a.successRate)],
    ['first-time success rate', pct(a.firstTimeSuccessRate)],
    ['cycle time', dist(a.cycleTime, mins)],
    ['lead time', dist(a.leadTime, mins)],
    ['iterations (sessions per issue)', dist(a.iterations, (n) => (n === null ? NO_DATA : n.toFixed(1)))],
    ['retries', a.issues === 0 ? NO_DATA : `${a.retries} (${a.issuesWithRetries} issue${a.issuesWithRetries === 1 ? '' : 's'})`],
    ['corrections', a.issues === 0 ? NO_DATA : String(a.corrections)],
    ['total cost', usd(a.totalCostUsd)],
    ['cost per issue', usd(a.costPerIssue)],
    ['cost per success', usd(a.costPerSuccess)],
    ['reviewer efficacy', reviewers.length ? reviewers.join('; ') : NO_DATA],
  ];
}

export function metricsText(m: MetricsSnapshot): string {
  const rows = metricRows(m.aggregate);
  const w = Math.max(...rows.map(([k]) => k.length));
  return [`${m.target.type} ${m.target.id} (epic ${m.target.epicId}) — ${m.computedAt}`, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)].join('\n');
}

export function metricsMarkdown(m: MetricsSnapshot): string {
  const lines = [`# Metrics: ${m.target.type} ${m.target.id}`, '', `epic ${m.target.epicId} · computed ${m.computedAt}`, '', '| metric | value |', '|---|---|'];
  for (const [k, v] of metricRows(m.aggregate)) lines.push(`| ${k} | ${v} |`);
  lines.push('', '## Issues', '', '| issue | sessions | retries | cost | cycle | lead | result |', '|---|---|---|---|---|---|---|');
  for (const i of m.issues) {
    lines.push(`| ${i.issueId} | ${i.sessions} | ${i.retries} | ${usd(i.costUsd)} | ${mins(i.cycleTimeMinutes)} | ${mins(i.leadTimeMinutes)} | ${i.successful ? 'done' : i.failed ? 'failed' : 'open'} |`);
  }
  return lines.join('\n') + '\n';
}

/** Lower is better for time, iterations and cost; higher for rates. Change is "no data" when either side has none. */
const COMPARED: [string, (a: AggregateMetrics) => number | null, 'lower' | 'higher', (n: number | null) => string][] = [
  ['issues', (a) => a.issues, 'higher', (n) => (n === null ? NO_DATA : String(n))],
  ['success rate', (a) => a.successRate, 'higher', pct],
  ['first-time success rate', (a) => a.firstTimeSuccessRate, 'higher', pct],
  ['median cycle time', (a) => a.cycleTime.median, 'lower', mins],
  ['p90 cycle time', (a) => a.cycleTime.p90, 'lower', mins],
  ['median lead time', (a) => a.leadTime.median, 'lower', mins],
  ['mean iterations', (a) => a.iterations.mean, 'lower', (n) => (n === null ? NO_DATA : n.toFixed(2))],
  ['retries', (a) => (a.issues ? a.retries : null), 'lower', (n) => (n === null ? NO_DATA : String(n))],
  ['total cost', (a) => a.totalCostUsd, 'lower', usd],
  ['cost per success', (a) => a.costPerSuccess, 'lower', usd],
];

export interface CompareRow {
  metric: string;
  a: number | null;
  b: number | null;
  /** (b − a) / a; null when a side has no data or a is 0. */
  change: number | null;
  better: 'a' | 'b' | null;
}

export function compareMetrics(a: AggregateMetrics, b: AggregateMetrics): CompareRow[] {
  return COMPARED.map(([metric, get, dir]) => {
    const x = get(a);
    const y = get(b);
    const change = x === null || y === null || x === 0 ? null : (y - x) / Math.abs(x);
    const better = x === null || y === null || x === y ? null : (dir === 'lower') === y < x ? 'b' : 'a';
    return { metric, a: x, b: y, change, better };
  });
}

export function compareText(aName: string, bName: string, rows: readonly CompareRow[]): string {
  const fmt = new Map(COMPARED.map(([m, , , f]) => [m, f]));
  const table = rows.map((r) => {
    const f = fmt.get(r.metric)!;
    return [r.metric, f(r.a), f(r.b), r.change === null ? NO_DATA : `${r.change >= 0 ? '+' : ''}${(r.change * 100).toFixed(1)}%`, r.better === null ? '' : r.better === 'a' ? aName : bName];
  });
  const all = [['metric', aName, bName, 'change', 'better'], ...table];
  const w = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}
