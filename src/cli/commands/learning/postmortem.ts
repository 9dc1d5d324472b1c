import path from 'node:path';
import { openTracker } from '../../../adapters/trackers/open.ts';
import { addGateChecks } from '../../../adapters/learning/gates-edit.ts';
import { applyRuleEntries } from '../../../adapters/learning/rule-files.ts';
import { commitsTouching, openLearning, sessionViews, showIssue, type LearningContext } from '../../../adapters/learning/wiring.ts';
import { filesNamed, type IncidentSources } from '../../../core/learning/incident.ts';
import { analyze as analyzePm, approve as approvePm, generateRules, listPostmortems, loadPostmortem, newPostmortem, renderPostmortem, savePostmortem, transition } from '../../../core/learning/postmortem.ts';
import { newId } from '../../../core/ports.ts';
import { validateId } from '../../../core/validate.ts';
import type { Postmortem, PreventionCheck } from '../../../schema/learning.ts';
import { output, type CommonOptions } from '../../io.ts';
import { trackerRef } from '../convoy/common.ts';

const cwdOf = (o: CommonOptions): string => path.resolve(o.cwd ?? process.cwd());
const now = (ctx: LearningContext): string => ctx.deps.clock.now().toISOString();

async function sources(ctx: LearningContext, pm: Postmortem): Promise<{ src: IncidentSources; events: IncidentSources['otherEvents'] }> {
  const epics = pm.epicIds.length ? pm.epicIds : await ctx.store.listEpics();
  const { sessions, other } = await sessionViews(ctx, epics);
  const src: IncidentSources = {
    issueId: pm.issue.id,
    files: pm.issue.files,
    createdAt: pm.issue.createdAt,
    closedAt: pm.issue.closedAt,
    sessions,
    otherEvents: other,
    commits: await commitsTouching(ctx.repo, pm.issue.files),
  };
  return { src, events: [...sessions.flatMap((s) => s.events), ...other] };
}

const summary = (pm: Postmortem): string => {
  const next = { draft: `orch postmortem analyze ${pm.id}`, analyzing: `orch postmortem rules ${pm.id}`, review: `orch postmortem show ${pm.id}, then approve ${pm.id} [--rule R]`, approved: `orch postmortem apply ${pm.id}`, applied: '' }[pm.status];
  const rc = pm.rootCause ? `; root cause ${pm.rootCause.category} (${pm.rootCause.evidence.length} event(s))` : '';
  return `postmortem ${pm.id} for ${pm.issue.id}: ${pm.status}${rc}; ${pm.timeline.length} timeline entries, ${pm.rules.length} rule(s)${next ? `\nnext: ${next}` : ''}`;
};

interface CreateOpts extends CommonOptions {
  autoAnalyze?: boolean;
  autoRules?: boolean;
  epic?: string[];
  tasks?: string;
  beads?: string;
}

export async function create(o: CreateOpts, args: string[]): Promise<number> {
  const issueId = args[0] ?? '';
  const epics = (o.epic ?? []).map((e) => validateId('epic', e));
  const ctx = await openLearning(cwdOf(o));
  const issue = await showIssue(openTracker(trackerRef(ctx.repo.top, o), ctx.repo.top), issueId);
  const text = [issue.title, issue.description, issue.acceptance, issue.notes].join('\n');
  let pm = newPostmortem({
    id: newId(ctx.deps.ids, 'pm'),
    issue: { id: issue.id, title: issue.title, description: issue.description, createdAt: issue.createdAt, closedAt: issue.closedAt, files: filesNamed(text) },
    epicIds: epics,
    at: now(ctx),
  });
  if (o.autoAnalyze || o.autoRules) {
    const { src, events } = await sources(ctx, pm);
    pm = analyzePm(pm, src, now(ctx));
    if (o.autoRules) pm = generateRules(pm, events, now(ctx));
  }
  await savePostmortem(ctx.learning, pm, null);
  output(o, { postmortem: pm }, (d) => summary(d.postmortem));
  return 0;
}

async function step(o: CommonOptions, id: string, f: (ctx: LearningContext, pm: Postmortem) => Promise<Postmortem>): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const { pm, version } = await loadPostmortem(ctx.learning, validateId('postmortem', id));
  const next = await f(ctx, pm);
  await savePostmortem(ctx.learning, next, version);
  output(o, { postmortem: next }, (d) => summary(d.postmortem));
  return 0;
}

export const analyze = (o: CommonOptions, args: string[]): Promise<number> =>
  step(o, args[0] ?? '', async (ctx, pm) => analyzePm(pm, (await sources(ctx, pm)).src, now(ctx)));

export const rules = (o: CommonOptions, args: string[]): Promise<number> =>
  step(o, args[0] ?? '', async (ctx, pm) => generateRules(pm, (await sources(ctx, pm)).events, now(ctx)));

export const approve = (o: CommonOptions & { rule?: string[] }, args: string[]): Promise<number> =>
  step(o, args[0] ?? '', (ctx, pm) => Promise.resolve(approvePm(pm, o.rule ?? null, now(ctx))));

export async function show(o: CommonOptions, args: string[]): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const { pm } = await loadPostmortem(ctx.learning, validateId('postmortem', args[0] ?? ''));
  output(o, { postmortem: pm }, (d) => renderPostmortem(d.postmortem));
  return 0;
}

export async function list(o: CommonOptions & { status?: string }): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const all = (await listPostmortems(ctx.learning)).filter((p) => !o.status || p.status === o.status);
  output(o, { postmortems: all.map((p) => ({ id: p.id, issueId: p.issue.id, title: p.issue.title, status: p.status, rules: p.rules.length, createdAt: p.createdAt })) }, (d) =>
    d.postmortems.length === 0 ? 'no postmortems' : d.postmortems.map((p) => `${p.id}  ${p.status.padEnd(9)}  ${p.issueId}  ${p.rules} rule(s)  ${p.title.slice(0, 60)}`).join('\n'),
  );
  return 0;
}

/** Checks first (validated, not written), then rule files (all or nothing), then the gates config. */
export async function apply(o: CommonOptions & { dryRun?: boolean }, args: string[]): Promise<number> {
  const ctx = await openLearning(cwdOf(o));
  const { pm, version } = await loadPostmortem(ctx.learning, validateId('postmortem', args[0] ?? ''));
  const next = transition(pm, 'apply', now(ctx));
  const approved = pm.rules.filter((r) => r.approved);
  const checks = approved.map((r) => r.check).filter((c): c is PreventionCheck => c !== null);
  await addGateChecks(ctx.repo.top, checks, { dryRun: true });
  const rulesRes = await applyRuleEntries(ctx.repo, approved.map((r) => ({ id: r.id, title: r.title, rule: r.rule })), { dryRun: o.dryRun ?? false, message: `orch: prevention rules of ${pm.id}` });
  const gates = await addGateChecks(ctx.repo.top, checks, { dryRun: o.dryRun ?? false });
  if (!o.dryRun) await savePostmortem(ctx.learning, { ...next, applied: { at: now(ctx), files: rulesRes.changes.map((c) => c.file), gates: [...gates.added, ...gates.present] } }, version);
  const data = { ok: true, dryRun: o.dryRun ?? false, ruleFiles: rulesRes.changes.map((c) => c.file), rulesAdded: [...new Set(rulesRes.changes.flatMap((c) => c.added))], gatesFile: gates.file, gatesAdded: gates.added, diff: rulesRes.diff };
  output(o, data, (d) =>
    [
      d.dryRun ? d.diff : `${d.rulesAdded.length} rule(s) written to ${d.ruleFiles.join(', ') || '(already there)'}`,
      d.gatesAdded.length ? `${d.dryRun ? 'would add' : 'added'} gate check(s) ${d.gatesAdded.join(', ')} to ${d.gatesFile}: the next baseline enforces them` : 'no new gate checks',
    ].join('\n'),
  );
  return 0;
}
