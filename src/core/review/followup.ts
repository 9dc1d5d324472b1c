import type { SessionEvent } from '../../schema/event.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { updateEpic } from '../session/epic.ts';
import { validateId } from '../validate.ts';
import { REVIEW_EVENT } from './events.ts';
import { locate } from './guard.ts';
import { findingStates, type FindingState } from './state.ts';

/** What addressed detection needs from git. */
export interface ReviewHistory {
  /** Commits after `since` up to HEAD that touch `path`, oldest first. */
  commitsTouching(since: string, path: string): Promise<string[]>;
  /** A file's content at a commit or tree; null when it is not there. */
  fileAt(treeish: string, path: string): Promise<string | null>;
}

export async function epicReviewEvents(deps: Pick<CoreDeps, 'store'>, epicId: string): Promise<SessionEvent[]> {
  const [events, epicEvents] = await Promise.all([deps.store.readEvents(epicId), deps.store.readEpicEvents(epicId)]);
  return [...events, ...epicEvents];
}

const epicEvent = (deps: CoreDeps, epicId: string, at: string, afterSession: number, payload: Record<string, unknown>): SessionEvent => ({
  ...payload,
  id: `ev_${deps.ids.ulid()}`,
  at,
  type: String(payload.type),
  sessionId: `epic:${epicId}`,
  sessionNumber: Math.max(1, afterSession),
  afterSession,
});

/**
 * Mark open findings addressed when a commit after the review changed the quoted lines (the quote
 * occurs fewer times in the file than in the reviewed version, or the file is gone). Recorded on the
 * epic record; returns the findings newly marked.
 */
export async function detectAddressed(deps: CoreDeps, history: ReviewHistory, epicIdRaw: string): Promise<{ findingId: string; reviewer: string; commit: string }[]> {
  const epicId = validateId('epic', epicIdRaw);
  const open = findingStates(await epicReviewEvents(deps, epicId)).filter((f) => f.status === 'open' && f.occurrences > 0);
  const found: { findingId: string; reviewer: string; commit: string }[] = [];
  for (const f of open) {
    if (f.head === null) continue; // reviewed before the first commit: nothing to diff from
    for (const commit of await history.commitsTouching(f.head, f.file)) {
      const now = locate(await history.fileAt(commit, f.file), f.match).occurrences;
      if (now < f.occurrences) {
        found.push({ findingId: f.findingId, reviewer: f.reviewer, commit });
        break;
      }
    }
  }
  if (found.length === 0) return found;
  await updateEpic(deps, epicId, (epic, at) => {
    const events = found.map((a) => epicEvent(deps, epicId, at, epic.sessionCount, { type: REVIEW_EVENT.addressed, findingId: a.findingId, reviewer: a.reviewer, commit: a.commit, reviewId: open.find((f) => f.findingId === a.findingId)?.reviewId ?? null }));
    return { epic, events };
  });
  return found;
}

export interface DismissResult {
  epicId: string;
  finding: FindingState;
  /** It was dismissed (or addressed) before: nothing new recorded. */
  already: boolean;
}

/** A human's verdict that a finding is a false positive; recorded on the epic record. */
export async function dismissFinding(deps: CoreDeps, findingId: string, reason: string | null, epicIdRaw: string | null): Promise<DismissResult> {
  if (!/^rvf_[0-9A-Za-z]+$/.test(findingId)) throw new OrchError('usage', `not a review finding id: ${JSON.stringify(findingId)}`, { hint: 'finding ids look like rvf_01J…; see orch review run --json' });
  const epics = epicIdRaw !== null ? [validateId('epic', epicIdRaw)] : await deps.store.listEpics();
  for (const epicId of epics) {
    const f = findingStates(await epicReviewEvents(deps, epicId)).find((s) => s.findingId === findingId);
    if (!f) continue;
    if (f.status !== 'open') return { epicId, finding: f, already: true };
    const text = reason?.trim() ? reason.trim().slice(0, 2000) : null;
    await updateEpic(deps, epicId, (epic, at) => ({
      epic,
      events: [epicEvent(deps, epicId, at, epic.sessionCount, { type: REVIEW_EVENT.dismissed, findingId, reviewer: f.reviewer, reviewId: f.reviewId, reason: text })],
    }));
    return { epicId, finding: { ...f, status: 'dismissed', dismissReason: text }, already: false };
  }
  throw new OrchError('not_found', `no review finding ${findingId}${epicIdRaw !== null ? ` in epic ${epicIdRaw}` : ''}`, { hint: 'finding ids are listed by orch review run --json' });
}
