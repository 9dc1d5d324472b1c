import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import type { CheckpointStore } from '../store.ts';
import type { Tracker } from '../tracker/types.ts';
import { validateId } from '../validate.ts';
import { collectBriefFacts } from './facts.ts';
import { renderBrief } from './render.ts';
import type { BriefFacts, GitHistorySource } from './types.ts';

export interface BriefOptions {
  maxBytes?: number;
  /** Issues done / in progress / blocked come from here when given. */
  tracker?: Tracker | null;
  /** Only the children of this tracker issue (the epic's issue). */
  trackerParent?: string;
  /** Where "commits since the epic began" ends: the current HEAD (default) or the newest checkpoint's HEAD. */
  until?: 'head' | 'checkpoint';
  /** Extra rendered sections (placed after the gate status). */
  sections?: { title: string; body: string }[];
}

const storeOf = (x: CoreDeps | CheckpointStore): CheckpointStore => ('store' in x ? x.store : x);

/** Read everything a brief needs from the store, git and the tracker, then assemble the facts. */
export async function loadBriefFacts(depsOrStore: CoreDeps | CheckpointStore, history: GitHistorySource | null, epicIdRaw: string, o: BriefOptions = {}): Promise<BriefFacts> {
  const store = storeOf(depsOrStore);
  const epicId = validateId('epic', epicIdRaw);
  const epic = await store.getEpic(epicId);
  if (!epic) throw new OrchError('not_found', `no epic ${epicId} here`, { hint: `start one with: orch session start --epic ${epicId}` });
  const [tips, listed, events, epicEvents] = await Promise.all([store.listSessions(epicId), store.listCheckpoints(epicId), store.readEvents(epicId), store.readEpicEvents(epicId)]);
  const checkpoints = listed.checkpoints;
  // The epic began at the HEAD its first snapshotted checkpoint recorded.
  const first = checkpoints.findLast((c) => c.git !== null);
  const newest = checkpoints.find((c) => c.git !== null);
  const git = history && first?.git ? await history.history(first.git.head, o.until === 'checkpoint' ? (newest?.git?.head ?? null) : null) : null;
  const tracker = o.tracker ? await o.tracker.list(o.trackerParent ? { parent: o.trackerParent } : {}) : null;
  return collectBriefFacts({ epic, tips, checkpoints, events, epicEvents, git, tracker });
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
