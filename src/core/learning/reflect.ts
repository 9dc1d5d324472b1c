import type { SessionEvent } from '../../schema/event.ts';
import { Reflection, type AppliedRecord, type Learning } from '../../schema/learning.ts';
import { OrchError } from '../errors.ts';
import { detectLearnings } from './detectors.ts';
import type { LearningStore } from './ports.ts';
import type { RuleEntry } from './rule-section.ts';

export const DEFAULT_MIN_CONFIDENCE = 0.6;

export interface ReflectInput {
  id: string;
  target: Reflection['target'];
  events: readonly SessionEvent[];
  sessions: number;
  createdAt: string;
  minConfidence?: number;
  /** Lessons from the optional model pass (already checked against the events). */
  llm?: { learnings: Learning[]; costUsd: number | null; dropped: number } | null;
}

/** Detectors (plus model lessons) above the confidence floor; one learning per id. */
export function buildReflection(i: ReflectInput): Reflection {
  const min = i.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const all = [...detectLearnings(i.events), ...(i.llm?.learnings ?? [])];
  const seen = new Set<string>();
  const learnings = all.filter((l) => l.confidence >= min && !seen.has(l.id) && (seen.add(l.id), true));
  return {
    schemaVersion: 1,
    id: i.id,
    target: i.target,
    createdAt: i.createdAt,
    stats: { sessions: i.sessions, events: i.events.length },
    learnings,
    llm: i.llm ? { costUsd: i.llm.costUsd, dropped: i.llm.dropped } : null,
    applied: {},
  };
}

const parse = (raw: unknown, id: string): Reflection => {
  const r = Reflection.safeParse(raw);
  if (!r.success) throw new OrchError('corrupt', `reflection ${id} is not a valid reflection document`);
  return r.data;
};

export async function saveReflection(store: LearningStore, r: Reflection): Promise<void> {
  const ok = await store.put('reflections', r.id, r, null, `reflection ${r.id}: ${r.target.type} ${r.target.id}`);
  if (!ok) throw new OrchError('ref_conflict', `reflection ${r.id} already exists`);
}

export async function loadReflection(store: LearningStore, id: string): Promise<{ reflection: Reflection; version: string }> {
  const got = await store.get('reflections', id);
  if (!got) throw new OrchError('not_found', `no reflection ${id}`, { hint: 'list them with: orch reflect list' });
  return { reflection: parse(got.doc, id), version: got.version };
}

export async function listReflections(store: LearningStore): Promise<Reflection[]> {
  const ids = await store.list('reflections');
  const all = await Promise.all(ids.map(async (id) => (await loadReflection(store, id)).reflection));
  return all.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
}

/** Record where learnings went; retried on a concurrent write (the record is merged, not replaced). */
export async function markApplied(store: LearningStore, id: string, learningIds: readonly string[], rec: AppliedRecord): Promise<Reflection> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { reflection, version } = await loadReflection(store, id);
    const next: Reflection = { ...reflection, applied: { ...reflection.applied, ...Object.fromEntries(learningIds.map((l) => [l, rec])) } };
    if (await store.put('reflections', id, next, version, `reflection ${id}: applied ${learningIds.length}`)) return next;
  }
  throw new OrchError('ref_conflict', `reflection ${id} kept changing while it was being updated`, { hint: 'try again' });
}

export interface PendingLearning {
  learning: Learning;
  /** Reflections that found it (deduplicated across them). */
  reflections: string[];
}

/** Learnings no reflection has applied yet, once each, newest finding's text. */
export function pendingLearnings(reflections: readonly Reflection[]): PendingLearning[] {
  const applied = new Set(reflections.flatMap((r) => Object.keys(r.applied)));
  const out = new Map<string, PendingLearning>();
  for (const r of reflections) {
    for (const l of r.learnings) {
      if (applied.has(l.id)) continue;
      const p = out.get(l.id);
      out.set(l.id, { learning: l, reflections: [...(p?.reflections ?? []), r.id] });
    }
  }
  return [...out.values()].sort((a, b) => b.learning.confidence - a.learning.confidence || (a.learning.id < b.learning.id ? -1 : 1));
}

export const toEntry = (l: Pick<Learning, 'id' | 'title' | 'rule'>): RuleEntry => ({ id: l.id, title: l.title, rule: l.rule });

/** Markdown report of every reflection and what became of each learning. */
export function reflectionReport(reflections: readonly Reflection[]): string {
  const lines = ['# Learnings', '', `${reflections.length} reflection${reflections.length === 1 ? '' : 's'}; ${pendingLearnings(reflections).length} learning(s) pending.`, ''];
  for (const r of reflections) {
    lines.push(`## ${r.id} — ${r.target.type} ${r.target.id}`, '', `${r.createdAt}; ${r.stats.sessions} sessions, ${r.stats.events} events.`, '');
    if (r.learnings.length === 0) lines.push('No learnings above the confidence floor.', '');
    for (const l of r.learnings) {
      const a = r.applied[l.id];
      lines.push(`- **${l.title}** (${l.kind}, confidence ${l.confidence.toFixed(2)}) — ${a ? `applied to ${a.files.join(', ')}${a.branch ? ` on ${a.branch}` : ''}` : 'pending'}`);
      lines.push(`  ${l.rule}`, `  evidence: ${l.evidence.slice(0, 6).join(', ')}${l.evidence.length > 6 ? ` … (${l.evidence.length})` : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
