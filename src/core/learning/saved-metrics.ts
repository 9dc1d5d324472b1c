import { MetricsSnapshot, type ReviewerMetrics } from '../../schema/learning.ts';
import { OrchError } from '../errors.ts';
import { aggregate } from './metrics.ts';
import type { LearningStore } from './ports.ts';
import { ratio } from './stats.ts';

/** Saved metrics: one chain per target (`epic-<id>`, `convoy-<id>`); every --save is a new version (history). */
export const targetKey = (t: MetricsSnapshot['target']): string => `${t.type}-${t.id}`;

const parse = (raw: unknown, what: string): MetricsSnapshot => {
  const r = MetricsSnapshot.safeParse(raw);
  if (!r.success) throw new OrchError('corrupt', `saved metrics ${what} are not valid`);
  return r.data;
};

export async function saveMetrics(store: LearningStore, m: MetricsSnapshot): Promise<number> {
  const key = targetKey(m.target);
  for (let i = 0; i < 5; i++) {
    const cur = await store.get('metrics', key);
    if (await store.put('metrics', key, m, cur?.version ?? null, `metrics ${key}`)) return (await store.history('metrics', key)).length;
  }
  throw new OrchError('ref_conflict', `metrics ${key} kept changing`, { hint: 'try again' });
}

export async function listSaved(store: LearningStore): Promise<{ key: string; latest: MetricsSnapshot; versions: number }[]> {
  const keys = await store.list('metrics');
  return Promise.all(
    keys.map(async (key) => {
      const h = await store.history('metrics', key);
      return { key, latest: parse(h.at(-1), key), versions: h.length };
    }),
  );
}

/** `epic:auth`, `epic-auth`, `convoy:cv_1` or a bare id (unique among saved targets). Null when nothing is saved under it. */
export async function findSaved(store: LearningStore, target: string): Promise<MetricsSnapshot | null> {
  const key = target.replace(/^(epic|convoy):/, '$1-');
  const keys = await store.list('metrics');
  const hits = keys.includes(key) ? [key] : keys.filter((k) => k === `epic-${target}` || k === `convoy-${target}`);
  if (hits.length > 1) throw new OrchError('usage', `${target} is ambiguous: ${hits.join(', ')}`, { hint: 'prefix it with epic: or convoy:' });
  if (hits.length === 0) return null;
  const got = await store.get('metrics', hits[0]!);
  return got ? parse(got.doc, hits[0]!) : null;
}

/**
 * Totals over saved targets without counting work twice: an epic's snapshot covers its convoys, so
 * convoy snapshots count only for epics with none of their own; figures are recomputed from the
 * issue rows, not averaged from averages.
 */
export function summarise(saved: readonly MetricsSnapshot[]): { targets: string[]; aggregate: ReturnType<typeof aggregate> } {
  const epics = new Set(saved.filter((s) => s.target.type === 'epic').map((s) => s.target.epicId));
  const used = saved.filter((s) => s.target.type === 'epic' || !epics.has(s.target.epicId));
  const rows = new Map<string, MetricsSnapshot['issues'][number]>();
  const reviewers: Record<string, ReviewerMetrics> = {};
  for (const s of used) {
    for (const i of s.issues) rows.set(`${s.target.epicId}\0${i.issueId}`, i);
    for (const [n, r] of Object.entries(s.aggregate.reviewers)) {
      const t = (reviewers[n] ??= { raised: 0, addressed: 0, dismissed: 0, open: 0, addressedRate: null });
      t.raised += r.raised;
      t.addressed += r.addressed;
      t.dismissed += r.dismissed;
      t.open += r.open;
      t.addressedRate = ratio(t.addressed, t.raised);
    }
  }
  return { targets: used.map((s) => targetKey(s.target)), aggregate: aggregate([...rows.values()], reviewers) };
}
