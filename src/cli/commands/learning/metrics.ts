import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collectConvoy, collectEpic, openLearning, trackerIssues, type Collected, type LearningContext } from '../../../adapters/learning/wiring.ts';
import { OrchError } from '../../../core/errors.ts';
import { metricsHtml } from '../../../core/learning/html.ts';
import { computeMetrics } from '../../../core/learning/metrics.ts';
import { compareMetrics, compareText, metricRows, metricsMarkdown, metricsText } from '../../../core/learning/render.ts';
import { findSaved, listSaved, saveMetrics, summarise } from '../../../core/learning/saved-metrics.ts';
import type { MetricsSnapshot } from '../../../schema/learning.ts';
import { output, warn, type CommonOptions } from '../../io.ts';

const cwdOf = (o: CommonOptions): string => path.resolve(o.cwd ?? process.cwd());

async function live(ctx: LearningContext, c: Collected, target: MetricsSnapshot['target']): Promise<MetricsSnapshot> {
  return computeMetrics({
    target,
    sessionEvents: c.sessionEvents,
    epicEvents: c.epicEvents,
    convoys: c.convoys,
    tracker: await trackerIssues(ctx.repo.top, c, warn),
    budgetUsd: c.budgetUsd,
    computedAt: ctx.deps.clock.now().toISOString(),
  });
}

async function show(o: CommonOptions & { save?: boolean }, m: MetricsSnapshot, ctx: LearningContext): Promise<number> {
  const version = o.save ? await saveMetrics(ctx.learning, m) : null;
  output(o, { metrics: m, saved: version !== null, version }, (d) => metricsText(d.metrics) + (d.saved ? `\nsaved (version ${d.version})` : ''));
  return 0;
}

export async function epic(o: CommonOptions & { save?: boolean }, args: string[]): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const c = await collectEpic(ctx, args[0] ?? '');
  return show(o, await live(ctx, c, { type: 'epic', id: c.epicId, epicId: c.epicId }), ctx);
}

export async function convoy(o: CommonOptions & { save?: boolean; epic?: string }, args: string[]): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const c = await collectConvoy(ctx, args[0] ?? '', o.epic);
  return show(o, await live(ctx, c, { type: 'convoy', id: c.convoys[0]!.id, epicId: c.epicId }), ctx);
}

/** A saved target, else a live epic or convoy of that id; unknown → exit 2 with a hint. */
async function resolve(ctx: LearningContext, target: string): Promise<MetricsSnapshot> {
  const saved = await findSaved(ctx.learning, target);
  if (saved) return saved;
  const [kind, id] = /^(epic|convoy)[:-](.+)$/.exec(target)?.slice(1) ?? [null, target];
  if (kind !== 'convoy' && (await ctx.store.listEpics()).includes(id!)) {
    const c = await collectEpic(ctx, id!);
    return live(ctx, c, { type: 'epic', id: c.epicId, epicId: c.epicId });
  }
  if (kind !== 'epic' && (await ctx.convoys.list()).some((c) => c.id === id)) {
    const c = await collectConvoy(ctx, id!);
    return live(ctx, c, { type: 'convoy', id: id!, epicId: c.epicId });
  }
  throw new OrchError('not_found', `no metrics target ${target}`, { hint: 'saved targets: orch metrics list; or give an epic id (epic:<id>) or a convoy id (convoy:<id>)' });
}

export async function report(o: CommonOptions & { format?: string; output?: string }, args: string[]): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const m = await resolve(ctx, args[0] ?? '');
  const format = o.format ?? 'md';
  const text = format === 'html' ? metricsHtml(m) : format === 'json' ? JSON.stringify({ schemaVersion: 1, metrics: m }, null, 2) + '\n' : metricsMarkdown(m);
  if (o.output) {
    const file = path.resolve(cwdOf(o), o.output);
    await writeFile(file, text);
    output(o, { ok: true, file, format }, (d) => `${d.format} report written to ${d.file}`);
  } else if (o.json) output(o, { metrics: m }, () => '');
  else process.stdout.write(text);
  return 0;
}

export async function compare(o: CommonOptions, args: string[]): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const [a, b] = await Promise.all([resolve(ctx, args[0] ?? ''), resolve(ctx, args[1] ?? '')]);
  const name = (m: MetricsSnapshot): string => `${m.target.type}:${m.target.id}`;
  const rows = compareMetrics(a.aggregate, b.aggregate);
  output(o, { a: name(a), b: name(b), rows }, (d) => compareText(d.a, d.b, d.rows));
  return 0;
}

export async function summary(o: CommonOptions): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const saved = await listSaved(ctx.learning);
  const s = summarise(saved.map((x) => x.latest));
  output(o, s, (d) => (d.targets.length === 0 ? 'nothing saved yet: orch metrics epic <id> --save' : [`over ${d.targets.join(', ')}`, ...metricRows(d.aggregate).map(([k, v]) => `${k}: ${v}`)].join('\n')));
  return 0;
}

export async function list(o: CommonOptions): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const saved = await listSaved(ctx.learning);
  const rows = saved.map((s) => ({ key: s.key, versions: s.versions, computedAt: s.latest.computedAt, issues: s.latest.aggregate.issues, successRate: s.latest.aggregate.successRate, totalCostUsd: s.latest.aggregate.totalCostUsd }));
  output(o, { targets: rows }, (d) =>
    d.targets.length === 0 ? 'nothing saved yet: orch metrics epic <id> --save' : d.targets.map((t) => `${t.key}  ${t.versions} version(s)  ${t.issues} issue(s)  last ${t.computedAt}`).join('\n'),
  );
  return 0;
}
