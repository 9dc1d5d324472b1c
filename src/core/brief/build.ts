import type { CoreDeps } from '../deps.ts';
import { isOrchError, OrchError } from '../errors.ts';
import type { CheckpointStore } from '../store.ts';
import type { Tracker, TrackerIssue } from '../tracker/types.ts';
import { validateId } from '../validate.ts';
import { collectBriefFacts } from './facts.ts';
import { oneLine } from './payload.ts';
import { renderBrief } from './render.ts';
import type { BriefFacts, GitHistorySource } from './types.ts';

/** Where the brief's issues come from (a `tracker:` section of `.orch/config.yaml`, opened by an adapter). */
export interface BriefTrackerOptions {
  /** Issues done / in progress / blocked come from here when given. */
  tracker?: Tracker | null;
  /** Only the children of this tracker issue (the epic's issue). */
  trackerParent?: string | undefined;
  /** A tracker is configured but could not be opened: the Issues section says why. */
  trackerUnavailable?: string | undefined;
  /** How long the tracker may take to answer before the brief goes on without it (default 10 s). */
  trackerTimeoutMs?: number | undefined;
}

export interface BriefOptions extends BriefTrackerOptions {
  maxBytes?: number;
  /** Where "commits since the epic began" ends: the current HEAD (default) or the newest checkpoint's HEAD. */
  until?: 'head' | 'checkpoint';
  /** Extra rendered sections (placed after the gate status). */
  sections?: { title: string; body: string }[];
}

const storeOf = (x: CoreDeps | CheckpointStore): CheckpointStore => ('store' in x ? x.store : x);

export const DEFAULT_TRACKER_TIMEOUT_MS = 10_000;

export type TrackerListing = { issues: TrackerIssue[]; error: null } | { issues: []; error: string };

const reasonOf = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e);
  const hint = isOrchError(e) && e.hint ? ` (${e.hint})` : '';
  return oneLine(`${text}${hint}`, 300);
};

/**
 * The tracker's issues, or why there are none: a tracker that fails or does not answer in time must
 * not break the brief (null = no tracker configured).
 */
export async function listTrackerIssues(o: BriefTrackerOptions): Promise<TrackerListing | null> {
  if (o.trackerUnavailable !== undefined) return { issues: [], error: oneLine(o.trackerUnavailable, 300) };
  if (!o.tracker) return null;
  const ms = o.trackerTimeoutMs ?? DEFAULT_TRACKER_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    const list = o.tracker.list(o.trackerParent ? { parent: o.trackerParent } : {});
    return { issues: await Promise.race([list, late]), error: null };
  } catch (e) {
    return { issues: [], error: reasonOf(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** Read everything a brief needs from the store, git and the tracker, then assemble the facts. */
export async function loadBriefFacts(depsOrStore: CoreDeps | CheckpointStore, history: GitHistorySource | null, epicIdRaw: string, o: BriefOptions = {}): Promise<BriefFacts> {
  const store = storeOf(depsOrStore);
  const epicId = validateId('epic', epicIdRaw);
  const epic = await store.getEpic(epicId);
  if (!epic) throw new OrchError('not_found', `no epic ${epicId} here`, { hint: `start one with: orch session start --epic ${epicId}` });
  // The tracker is asked alongside the store: a slow tracker costs the brief no extra time.
  const [tips, listed, events, epicEvents, issues] = await Promise.all([store.listSessions(epicId), store.listCheckpoints(epicId), store.readEvents(epicId), store.readEpicEvents(epicId), listTrackerIssues(o)]);
  const checkpoints = listed.checkpoints;
  // The epic began at the HEAD its first snapshotted checkpoint recorded.
  const first = checkpoints.findLast((c) => c.git !== null);
  const newest = checkpoints.find((c) => c.git !== null);
  const git = history && first?.git ? await history.history(first.git.head, o.until === 'checkpoint' ? (newest?.git?.head ?? null) : null) : null;
  return collectBriefFacts({ epic, tips, checkpoints, events, epicEvents, git, tracker: issues?.issues ?? null, trackerError: issues?.error ?? null });
}

/** The resume brief of an epic as facts and as capped markdown. */
export async function buildResumeBrief(
  depsOrStore: CoreDeps | CheckpointStore,
  history: GitHistorySource | null,
  epicId: string,
  o: BriefOptions = {},
): Promise<{ facts: BriefFacts; markdown: string }> {
  const facts = await loadBriefFacts(depsOrStore, history, epicId, o);
  const markdown = renderBrief(facts, { ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}), ...(o.sections ? { sections: o.sections } : {}) });
  return { facts, markdown };
}
