import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createClaudeCodeAdapter } from '../../../adapters/agents/claude-code.ts';
import { applyRuleEntries, loadLearningConfig } from '../../../adapters/learning/rule-files.ts';
import { allEvents, collectConvoy, collectEpic, openLearning, type Collected } from '../../../adapters/learning/wiring.ts';
import { detectLearnings } from '../../../core/learning/detectors.ts';
import { llmLessons } from '../../../core/learning/llm.ts';
import { buildReflection, listReflections, loadReflection, markApplied, pendingLearnings, reflectionReport, saveReflection, toEntry } from '../../../core/learning/reflect.ts';
import { newId } from '../../../core/ports.ts';
import { validateId } from '../../../core/validate.ts';
import type { Reflection } from '../../../schema/learning.ts';
import { output, usageError, type CommonOptions } from '../../io.ts';
import { money } from '../../render/format.ts';

interface ReflectOpts extends CommonOptions {
  epic?: string;
  minConfidence?: string;
  llm?: boolean;
  model?: string;
  llmBudget?: string;
}

const cwdOf = (o: CommonOptions): string => path.resolve(o.cwd ?? process.cwd());

function confidence(raw: string | undefined): number {
  const n = Number(raw ?? '0.6');
  if (!Number.isFinite(n) || n < 0 || n > 1) throw usageError(`invalid --min-confidence ${JSON.stringify(raw)}: give a number from 0 to 1`);
  return n;
}

function renderReflection(r: Reflection): string {
  const head = `reflection ${r.id} (${r.target.type} ${r.target.id}): ${r.learnings.length} learning${r.learnings.length === 1 ? '' : 's'} from ${r.stats.sessions} sessions, ${r.stats.events} events`;
  const llm = r.llm ? `\n--llm pass: cost ${money(r.llm.costUsd)}${r.llm.dropped ? `, ${r.llm.dropped} lesson(s) dropped for evidence that does not exist` : ''}` : '';
  const body = r.learnings.map((l) => `  ${l.id}  ${l.confidence.toFixed(2)}  ${l.kind.padEnd(25)} ${l.title}\n      evidence: ${l.evidence.slice(0, 4).join(', ')}${l.evidence.length > 4 ? ' …' : ''}`);
  return [head + llm, ...body, r.learnings.length ? `apply with: orch reflect apply ${r.id} [--dry-run] [--branch <name>]` : 'nothing to learn above the confidence floor'].join('\n');
}

async function reflectOn(o: ReflectOpts, target: Reflection['target']['type'], id: string): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  // The flag wins over learning.minConfidence in .orch/config.yaml, which wins over 0.6.
  const min = o.minConfidence !== undefined ? confidence(o.minConfidence) : ((await loadLearningConfig(ctx.repo.top)).minConfidence ?? 0.6);
  const c: Collected = target === 'epic' ? await collectEpic(ctx, id) : await collectConvoy(ctx, id, o.epic);
  const events = allEvents(c);
  let llm: Parameters<typeof buildReflection>[0]['llm'] = null;
  if (o.llm) {
    const budget = Number(o.llmBudget ?? '1');
    if (!Number.isFinite(budget) || budget <= 0) throw usageError(`invalid --llm-budget ${JSON.stringify(o.llmBudget)}`);
    llm = await llmLessons({
      agent: createClaudeCodeAdapter(),
      cwd: ctx.repo.top,
      env: process.env,
      agentSessionId: randomUUID(),
      target: `${target} ${c.convoys[0] && target === 'convoy' ? c.convoys[0].id : c.epicId}`,
      events,
      found: detectLearnings(events),
      maxBudgetUsd: budget,
      ...(o.model ? { model: o.model } : {}),
    });
  }
  const r = buildReflection({
    id: newId(ctx.deps.ids, 'refl'),
    target: { type: target, id: target === 'epic' ? c.epicId : c.convoys[0]!.id, epicId: c.epicId },
    events,
    sessions: c.sessions,
    createdAt: ctx.deps.clock.now().toISOString(),
    minConfidence: min,
    llm,
  });
  await saveReflection(ctx.learning, r);
  output(o, { reflection: r }, (d) => renderReflection(d.reflection));
  return 0;
}

export const epic = (o: ReflectOpts, args: string[]): Promise<number> => reflectOn(o, 'epic', args[0] ?? '');
export const convoy = (o: ReflectOpts, args: string[]): Promise<number> => reflectOn(o, 'convoy', args[0] ?? '');

interface ApplyOpts extends CommonOptions {
  dryRun?: boolean;
  branch?: string;
}

export async function apply(o: ApplyOpts, args: string[]): Promise<number> {
  const id = validateId('reflection', args[0] ?? '');
  const ctx = await openLearning(cwdOf(o));
  const { reflection } = await loadReflection(ctx.learning, id);
  if (reflection.learnings.length === 0) {
    output(o, { ok: true, files: [], added: [], diff: '' }, () => `reflection ${id} has no learnings: nothing to apply`);
    return 0;
  }
  const res = await applyRuleEntries(ctx.repo, reflection.learnings.map(toEntry), { dryRun: o.dryRun ?? false, branch: o.branch ?? null, message: `orch: learnings from ${id}\n\n${reflection.learnings.map((l) => `- ${l.title}`).join('\n')}\n` });
  const added = [...new Set(res.changes.flatMap((c) => c.added))];
  // Record newly written ones, and ones found already in place that this reflection had not recorded.
  const toMark = reflection.learnings.map((l) => l.id).filter((l) => added.includes(l) || !reflection.applied[l]);
  if (!o.dryRun && toMark.length > 0) {
    await markApplied(ctx.learning, id, toMark, {
      at: ctx.deps.clock.now().toISOString(),
      files: res.changes.length ? res.changes.map((c) => c.file) : res.targets,
      branch: res.branch,
      commit: res.commit,
    });
  }
  const data = { ok: true, dryRun: o.dryRun ?? false, files: res.changes.map((c) => ({ file: c.file, added: c.added, created: c.created })), added, branch: res.branch, commit: res.commit, diff: res.diff };
  output(o, data, (d) => {
    if (d.added.length === 0) return `nothing to change: every learning of ${id} is already in the rule files`;
    if (d.dryRun) return d.diff;
    const where = d.branch ? `committed on branch ${d.branch} (${(d.commit ?? '').slice(0, 10)}); your working tree is untouched` : 'written to the working tree';
    return `${d.added.length} learning(s) added to ${d.files.map((f) => f.file).join(', ')}: ${where}`;
  });
  return 0;
}

export async function pending(o: CommonOptions): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const p = pendingLearnings(await listReflections(ctx.learning));
  output(o, { pending: p }, (d) =>
    d.pending.length === 0 ? 'no pending learnings' : [`${d.pending.length} pending learning(s):`, ...d.pending.map((x) => `  ${x.learning.id}  ${x.learning.confidence.toFixed(2)}  ${x.learning.title}  (${x.reflections.join(', ')})`)].join('\n'),
  );
  return 0;
}

export async function list(o: CommonOptions): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const all = await listReflections(ctx.learning);
  const rows = all.map((r) => ({ id: r.id, target: r.target, createdAt: r.createdAt, learnings: r.learnings.length, applied: r.learnings.filter((l) => r.applied[l.id]).length }));
  output(o, { reflections: rows }, (d) =>
    d.reflections.length === 0 ? 'no reflections yet: orch reflect epic <id>' : d.reflections.map((r) => `${r.id}  ${r.target.type} ${r.target.id}  ${r.createdAt}  ${r.learnings} learnings, ${r.applied} applied`).join('\n'),
  );
  return 0;
}

export async function report(o: CommonOptions & { output?: string }): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const text = reflectionReport(await listReflections(ctx.learning));
  if (o.output) {
    const file = path.resolve(cwdOf(o), o.output);
    await writeFile(file, text);
    output(o, { ok: true, file }, (d) => `report written to ${d.file}`);
  } else output(o, { report: text }, (d) => d.report);
  return 0;
}
