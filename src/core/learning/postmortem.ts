import { createHash } from 'node:crypto';
import type { SessionEvent } from '../../schema/event.ts';
import { Postmortem, type PostmortemStatus, type PreventionRule } from '../../schema/learning.ts';
import { OrchError } from '../errors.ts';
import { clip, gateResults, L_EVENT as E, str, strings } from './events.ts';
import { buildTimeline, rootCause, type IncidentSources } from './incident.ts';
import type { LearningStore } from './ports.ts';

/** The only moves a postmortem can make; anything else is refused (exit 3). */
const NEXT: Record<string, { from: readonly PostmortemStatus[]; to: PostmortemStatus; hint: string }> = {
  analyze: { from: ['draft', 'analyzing'], to: 'analyzing', hint: 'analysis happens before rules are reviewed' },
  rules: { from: ['analyzing', 'review'], to: 'review', hint: 'run orch postmortem analyze first' },
  approve: { from: ['review'], to: 'approved', hint: 'run orch postmortem rules first, then review them' },
  apply: { from: ['approved'], to: 'applied', hint: 'approve it first: orch postmortem approve <pm-id>' },
};

export function transition(pm: Postmortem, verb: keyof typeof NEXT, at: string): Postmortem {
  const t = NEXT[verb]!;
  if (!t.from.includes(pm.status)) {
    throw new OrchError('illegal_transition', `postmortem ${pm.id} is ${pm.status}: ${verb} needs ${t.from.join(' or ')}`, { hint: t.hint });
  }
  return { ...pm, status: t.to, history: pm.status === t.to ? pm.history : [...pm.history, { status: t.to, at }] };
}

export interface NewPostmortem {
  id: string;
  issue: Postmortem['issue'];
  epicIds: string[];
  at: string;
}

export const newPostmortem = (n: NewPostmortem): Postmortem => ({
  schemaVersion: 1,
  id: n.id,
  issue: n.issue,
  epicIds: n.epicIds,
  status: 'draft',
  history: [{ status: 'draft', at: n.at }],
  timeline: [],
  rootCause: null,
  rules: [],
  applied: null,
  createdAt: n.at,
});

export function analyze(pm: Postmortem, src: IncidentSources, at: string): Postmortem {
  const next = transition(pm, 'analyze', at);
  return { ...next, timeline: buildTimeline(src, pm.issue.title), rootCause: rootCause(src) };
}

const ruleId = (pm: Postmortem, key: string): string => `R-${createHash('sha256').update(`${pm.issue.id}\0${key}`).digest('hex').slice(0, 10)}`;
const short = (pm: Postmortem): string => pm.issue.id.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 24);

/** Text of a diff line as it sits in the source: no +/- marker, surrounding blanks trimmed. */
const sourceLine = (quote: string): string => (quote.split('\n').find((l) => l.trim() !== '') ?? '').replace(/^[+-]/, '').trim();

/** Prevention rules from the root cause's evidence; each with an enforceable check where one exists. */
export function generateRules(pm: Postmortem, events: readonly SessionEvent[], at: string): Postmortem {
  const next = transition(pm, 'rules', at);
  const rc = pm.rootCause;
  if (!rc) throw new OrchError('illegal_transition', `postmortem ${pm.id} has no root cause yet`, { hint: `run: orch postmortem analyze ${pm.id}` });
  const byId = new Map(events.map((e) => [e.id, e]));
  const evidence = rc.evidence.map((id) => byId.get(id)).filter((e): e is SessionEvent => e !== undefined);
  const rules: PreventionRule[] = [];
  const add = (key: string, r: Omit<PreventionRule, 'id' | 'approved'>): void => {
    const id = ruleId(pm, key);
    if (!rules.some((x) => x.id === id)) rules.push({ id, approved: false, ...r });
  };
  for (const e of evidence) {
    if (e.type === E.reviewFinding) {
      const line = sourceLine(str(e.quote) ?? '');
      const finding = clip(str(e.finding) ?? 'review finding', 140);
      const suggestion = str(e.suggestion);
      add(`forbid:${line}`, {
        title: `never again: ${clip(finding, 60)}`,
        rule: `${finding} (incident ${pm.issue.id}).${suggestion ? ` ${clip(suggestion, 140)}` : ''}`,
        check: line.length >= 8 ? { kind: 'forbidden_pattern', name: `pm-${short(pm)}-forbid-${rules.length + 1}`, pattern: line, paths: [] } : null,
        evidence: [e.id],
      });
    } else if (e.type === E.gateRun) {
      for (const g of gateResults(e).filter((r) => strings(e.regressions).includes(r.name))) {
        add(`gate:${g.name}`, {
          title: `gate ${g.name} must pass`,
          rule: `The ${g.name} gate regressed in incident ${pm.issue.id}${g.failedTests.length ? ` (${g.failedTests.slice(0, 4).join(', ')})` : ''}: run it and keep it passing before finishing.`,
          check: g.mode === 'advisory' ? { kind: 'require_gate', name: g.name } : null,
          evidence: [e.id],
        });
      }
    } else if (e.type === E.toolError && str(e.command)) {
      const cmd = str(e.command)!;
      add(`cmd:${cmd}`, {
        title: `\`${clip(cmd, 50)}\` must keep working`,
        rule: `\`${clip(cmd, 100)}\` failed during incident ${pm.issue.id}; it now runs as a gate, so keep it passing.`,
        check: { kind: 'gate', name: `pm-${short(pm)}-cmd-${rules.length + 1}`, command: cmd },
        evidence: [e.id],
      });
    } else if (e.type === E.convoyMergeConflict) {
      const files = strings(e.files);
      add(`conflict:${files.join(',')}`, {
        title: `coordinate changes to ${clip(files.join(', '), 60)}`,
        rule: `${files.join(', ')} conflicted during incident ${pm.issue.id}: do not change these files from parallel issues; merge them one at a time.`,
        check: null,
        evidence: [e.id],
      });
    } else if (e.type === E.budgetExceeded || e.type === E.witnessRestart || e.type === E.sessionFailed) {
      add('exhaustion', {
        title: 'keep work within one session',
        rule: `Incident ${pm.issue.id} ran out of budget or time: split the work into steps that each finish in one session, and commit after each.`,
        check: null,
        evidence: [e.id],
      });
    }
  }
  return { ...next, rules };
}

/** Approve all rules, or only the ones named; a postmortem with nothing approved cannot move on. */
export function approve(pm: Postmortem, only: readonly string[] | null, at: string): Postmortem {
  const next = transition(pm, 'approve', at);
  const unknown = (only ?? []).filter((id) => !pm.rules.some((r) => r.id === id));
  if (unknown.length > 0) throw new OrchError('not_found', `postmortem ${pm.id} has no rule ${unknown.join(', ')}`, { hint: `see its rules with: orch postmortem show ${pm.id}` });
  const rules = pm.rules.map((r) => ({ ...r, approved: only === null || only.includes(r.id) }));
  if (!rules.some((r) => r.approved)) throw new OrchError('usage', `postmortem ${pm.id} has no prevention rules to approve`, { hint: 'nothing recorded explains the incident; there is nothing to enforce yet' });
  return { ...next, rules };
}

const parse = (raw: unknown, id: string): Postmortem => {
  const r = Postmortem.safeParse(raw);
  if (!r.success) throw new OrchError('corrupt', `postmortem ${id} is not a valid postmortem document`);
  return r.data;
};

export async function loadPostmortem(store: LearningStore, id: string): Promise<{ pm: Postmortem; version: string }> {
  const got = await store.get('postmortems', id);
  if (!got) throw new OrchError('not_found', `no postmortem ${id}`, { hint: 'list them with: orch postmortem list' });
  return { pm: parse(got.doc, id), version: got.version };
}

export async function savePostmortem(store: LearningStore, pm: Postmortem, version: string | null): Promise<void> {
  if (!(await store.put('postmortems', pm.id, pm, version, `postmortem ${pm.id}: ${pm.status}`))) {
    throw new OrchError('ref_conflict', `postmortem ${pm.id} changed while this command ran`, { hint: 'run the command again' });
  }
}

export async function listPostmortems(store: LearningStore): Promise<Postmortem[]> {
  const ids = await store.list('postmortems');
  return Promise.all(ids.map(async (id) => (await loadPostmortem(store, id)).pm));
}

export function renderPostmortem(pm: Postmortem): string {
  const lines = [`# Postmortem ${pm.id}: ${pm.issue.title}`, '', `issue ${pm.issue.id} · status ${pm.status} · created ${pm.createdAt}`, ''];
  if (pm.issue.files.length) lines.push(`Files named: ${pm.issue.files.join(', ')}`, '');
  lines.push('## Root cause', '', pm.rootCause ? `${pm.rootCause.category}: ${pm.rootCause.summary}${pm.rootCause.evidence.length ? `\nevidence: ${pm.rootCause.evidence.join(', ')}` : ''}` : 'not analysed yet', '');
  lines.push('## Timeline', '', ...(pm.timeline.length ? pm.timeline.map((t) => `- ${t.at} [${t.source} ${t.ref.slice(0, 14)}] ${t.text}`) : ['(empty)']), '');
  lines.push('## Prevention rules', '');
  for (const r of pm.rules) {
    const check = r.check === null ? 'no enforceable check' : r.check.kind === 'require_gate' ? `gate ${r.check.name} made required` : r.check.kind === 'gate' ? `gate ${r.check.name}: ${r.check.command}` : `gate ${r.check.name}: forbids "${r.check.pattern}"`;
    lines.push(`- ${r.approved ? '[approved]' : '[ ]'} ${r.id} ${r.title}\n  ${r.rule}\n  check: ${check}`);
  }
  if (pm.rules.length === 0) lines.push('(none)');
  return lines.join('\n') + '\n';
}
