import type { SessionEvent } from '../../schema/event.ts';
import { findingOf, REVIEW_EVENT, type RecordedFinding } from './events.ts';

/** A finding with what happened to it since (derived from events; nothing mutable is stored). */
export interface FindingState extends RecordedFinding {
  status: 'open' | 'addressed' | 'dismissed';
  /** The commit that changed the quoted lines. */
  addressedBy: string | null;
  dismissReason: string | null;
}

/** Per reviewer: what `orch metrics` counts as reviewer efficacy. */
export interface ReviewerEfficacy {
  raised: number;
  addressed: number;
  /** Dismissed by a human: false positives. */
  dismissed: number;
  /** Neither addressed nor dismissed: raised and (so far) ignored. */
  open: number;
  /** Findings dropped by the quote guard (hallucinated). */
  dropped: number;
  /** Reviewer runs that crashed, timed out or answered outside the schema. */
  errors: number;
  runs: number;
}

const byTime = (a: SessionEvent, b: SessionEvent): number => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1);

/** Every recorded finding and its status; the first of addressed / dismissed wins. Events: sessions' and the epic's. */
export function findingStates(events: readonly SessionEvent[]): FindingState[] {
  const states = new Map<string, FindingState>();
  for (const e of [...events].sort(byTime)) {
    const f = findingOf(e);
    if (f) {
      if (!states.has(f.findingId)) states.set(f.findingId, { ...f, status: 'open', addressedBy: null, dismissReason: null });
      continue;
    }
    const id = typeof e.findingId === 'string' ? e.findingId : null;
    const s = id === null ? undefined : states.get(id);
    if (!s || s.status !== 'open') continue;
    if (e.type === REVIEW_EVENT.addressed) states.set(s.findingId, { ...s, status: 'addressed', addressedBy: typeof e.commit === 'string' ? e.commit : null });
    else if (e.type === REVIEW_EVENT.dismissed) states.set(s.findingId, { ...s, status: 'dismissed', dismissReason: typeof e.reason === 'string' ? e.reason : null });
  }
  return [...states.values()];
}

const empty = (): ReviewerEfficacy => ({ raised: 0, addressed: 0, dismissed: 0, open: 0, dropped: 0, errors: 0, runs: 0 });

/** Reviewer efficacy counts per reviewer name, from the epic's events (sessions' and the epic record's). */
export function reviewEfficacy(events: readonly SessionEvent[]): Record<string, ReviewerEfficacy> {
  const out: Record<string, ReviewerEfficacy> = {};
  const of = (name: string): ReviewerEfficacy => (out[name] ??= empty());
  for (const f of findingStates(events)) {
    const c = of(f.reviewer);
    c.raised++;
    c[f.status]++;
  }
  for (const e of events) {
    if (e.type !== REVIEW_EVENT.run || !Array.isArray(e.reviewers)) continue;
    for (const r of e.reviewers as unknown[]) {
      if (typeof r !== 'object' || r === null) continue;
      const s = r as Record<string, unknown>;
      if (typeof s.reviewer !== 'string') continue;
      const c = of(s.reviewer);
      c.runs++;
      if (s.status === 'error') c.errors++;
      if (typeof s.dropped === 'number') c.dropped += s.dropped;
    }
  }
  return out;
}
