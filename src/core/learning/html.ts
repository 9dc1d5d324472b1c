import type { MetricsSnapshot } from '../../schema/learning.ts';
import { metricRows } from './render.ts';

/** One self-contained HTML file: inline CSS and SVG, no script, no external request. */

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const W = 640;
const H = 240;
const M = { l: 56, r: 16, t: 16, b: 32 };
const fx = (n: number): string => (Math.round(n * 10) / 10).toString();
const noData = (chart: string, title: string): string => `<section><h2>${esc(title)}</h2><p class="no-data" data-chart="${chart}">no data</p></section>`;

function axes(yMax: number, yLabel: (v: number) => string): string {
  const ticks = [0, 0.5, 1].map((f) => {
    const y = M.t + (1 - f) * (H - M.t - M.b);
    return `<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${fx(y)}" y2="${fx(y)}"/><text class="tick" x="${M.l - 6}" y="${fx(y + 4)}" text-anchor="end">${esc(yLabel(yMax * f))}</text>`;
  });
  return `<line class="axis" x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}"/><line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}"/>${ticks.join('')}`;
}

export function costChart(series: MetricsSnapshot['costSeries'], budget: number | null): string {
  if (series.length === 0) return noData('cost', 'Cost over time');
  const t = series.map((p) => Date.parse(p.at));
  const t0 = Math.min(...t);
  const span = Math.max(1, Math.max(...t) - t0);
  const yMax = Math.max(budget ?? 0, ...series.map((p) => p.cumulativeUsd)) * 1.1 || 1;
  const x = (ms: number): number => M.l + ((ms - t0) / span) * (W - M.l - M.r);
  const y = (v: number): number => M.t + (1 - v / yMax) * (H - M.t - M.b);
  // Start at zero spend so a single charge still draws a line.
  const pts = [`${fx(x(t0))},${fx(y(0))}`, ...series.map((p, i) => `${fx(x(t[i]!))},${fx(y(p.cumulativeUsd))}`)];
  const budgetLine = budget === null ? '' : `<line class="budget-line" x1="${M.l}" x2="${W - M.r}" y1="${fx(y(budget))}" y2="${fx(y(budget))}"/><text class="label" x="${W - M.r}" y="${fx(y(budget) - 4)}" text-anchor="end">budget $${budget.toFixed(2)}</text>`;
  const dots = series.map((p, i) => `<circle class="point" cx="${fx(x(t[i]!))}" cy="${fx(y(p.cumulativeUsd))}" r="3"><title>${esc(p.at)}: $${p.cumulativeUsd.toFixed(4)}</title></circle>`).join('');
  return `<section><h2>Cost over time${budget === null ? ' (no budget set)' : ' against budget'}</h2><svg data-chart="cost" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="cumulative cost">${axes(yMax, (v) => `$${v.toFixed(2)}`)}${budgetLine}<polyline class="cost-line" fill="none" points="${pts.join(' ')}"/>${dots}</svg></section>`;
}

export function cycleChart(minutes: readonly (number | null)[]): string {
  const v = minutes.filter((m): m is number => m !== null);
  if (v.length === 0) return noData('cycle', 'Cycle-time distribution');
  const max = Math.max(...v);
  const bins = Math.min(10, Math.max(1, v.length));
  const width = max / bins || 1;
  const counts = Array.from({ length: bins }, () => 0);
  for (const m of v) counts[Math.min(bins - 1, Math.floor(m / width))]!++;
  const yMax = Math.max(...counts);
  const bw = (W - M.l - M.r) / bins;
  const bars = counts
    .map((c, i) => {
      const h = (c / yMax) * (H - M.t - M.b);
      return `<rect class="bar" x="${fx(M.l + i * bw + 1)}" y="${fx(H - M.b - h)}" width="${fx(bw - 2)}" height="${fx(h)}"><title>${fx(i * width)}–${fx((i + 1) * width)} min: ${c}</title></rect>`;
    })
    .join('');
  return `<section><h2>Cycle-time distribution (minutes, ${v.length} issue${v.length > 1 ? 's' : ''})</h2><svg data-chart="cycle" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="cycle time histogram">${axes(yMax, (n) => String(Math.round(n)))}${bars}<text class="label" x="${W - M.r}" y="${H - 8}" text-anchor="end">${fx(max)} min</text></svg></section>`;
}

export function reviewerChart(reviewers: MetricsSnapshot['aggregate']['reviewers']): string {
  const names = Object.keys(reviewers).sort();
  if (names.length === 0) return noData('reviewers', 'Reviewer efficacy');
  const rowH = 28;
  const h = names.length * rowH + M.t + M.b;
  const max = Math.max(...names.map((n) => reviewers[n]!.raised)) || 1;
  const scale = (W - 140 - M.r) / max;
  const rows = names
    .map((n, i) => {
      const r = reviewers[n]!;
      let x = 140;
      const segs = (['addressed', 'dismissed', 'open'] as const)
        .map((k) => {
          const w = r[k] * scale;
          const s = w > 0 ? `<rect class="seg seg-${k}" x="${fx(x)}" y="${M.t + i * rowH}" width="${fx(w)}" height="${rowH - 8}"><title>${esc(n)} ${k}: ${r[k]}</title></rect>` : '';
          x += w;
          return s;
        })
        .join('');
      return `<text class="label" x="132" y="${M.t + i * rowH + 14}" text-anchor="end">${esc(n)} (${r.raised})</text>${segs}`;
    })
    .join('');
  const legend = `<text class="label" x="140" y="${h - 8}">■ addressed  ■ dismissed  ■ open</text>`;
  return `<section><h2>Reviewer efficacy</h2><svg data-chart="reviewers" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="findings per reviewer">${rows}${legend}</svg></section>`;
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:720px;color:#222}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}
.axis{stroke:#444}.grid{stroke:#eee}.tick,.label{font-size:11px;fill:#555}.cost-line{stroke:#2563eb;stroke-width:2}.point{fill:#2563eb}.budget-line{stroke:#dc2626;stroke-dasharray:6 4}
.bar{fill:#0d9488}.seg-addressed{fill:#16a34a}.seg-dismissed{fill:#9ca3af}.seg-open{fill:#f59e0b}.no-data{color:#888;font-style:italic}`;

export function metricsHtml(m: MetricsSnapshot): string {
  const rows = metricRows(m.aggregate)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td${v === 'no data' ? ' class="no-data"' : ''}>${esc(v)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>orch metrics: ${esc(m.target.type)} ${esc(m.target.id)}</title><style>${CSS}</style></head>
<body><h1>Metrics: ${esc(m.target.type)} ${esc(m.target.id)}</h1><p>epic ${esc(m.target.epicId)} · computed ${esc(m.computedAt)}</p>
<table>${rows}</table>
${costChart(m.costSeries, m.budgetUsd)}
${cycleChart(m.issues.map((i) => i.cycleTimeMinutes))}
${reviewerChart(m.aggregate.reviewers)}
</body></html>
`;
}
