import type { CoreDeps } from '../../core/deps.ts';
import { findConvoy } from '../../core/convoy/create.ts';
import { OrchError } from '../../core/errors.ts';
import { byTime, L_EVENT } from '../../core/learning/events.ts';
import type { CommitView, SessionView } from '../../core/learning/incident.ts';
import type { ConvoyJournal } from '../../core/learning/metrics.ts';
import type { CheckpointStore } from '../../core/store.ts';
import type { Tracker, TrackerIssue } from '../../core/tracker/types.ts';
import { validateId } from '../../core/validate.ts';
import type { Convoy } from '../../schema/convoy.ts';
import type { SessionEvent } from '../../schema/event.ts';
import { openTracker } from '../trackers/open.ts';
import { gitText } from '../git/git.ts';
import { reviewAddressed } from '../review/wiring.ts';
import type { RepoInfo } from '../git/repo.ts';
import { openGitDeps } from '../open.ts';
import { GitConvoyStore } from '../store/convoy-store.ts';
import { GitLearningStore } from './store.ts';

export interface LearningContext {
  deps: CoreDeps;
  repo: RepoInfo;
  store: CheckpointStore;
  learning: GitLearningStore;
  convoys: GitConvoyStore;
}

export async function openLearning(cwd: string): Promise<LearningContext> {
  const { deps, repo, store } = await openGitDeps(cwd);
  return { deps, repo, store, learning: new GitLearningStore(repo, deps.clock), convoys: new GitConvoyStore(repo, deps.clock, deps.ids) };
}

export interface Collected {
  epicId: string;
  /** Session events of the scope. */
  sessionEvents: SessionEvent[];
  epicEvents: SessionEvent[];
  convoys: (ConvoyJournal & { convoy: Convoy })[];
  sessions: number;
  budgetUsd: number | null;
}

/** Everything recorded for an epic: its sessions, the epic record and every convoy journal. */
export async function collectEpic(ctx: LearningContext, epicRaw: string): Promise<Collected> {
  const epicId = validateId('epic', epicRaw);
  const [epic, tips] = await Promise.all([ctx.store.getEpic(epicId), ctx.store.listSessions(epicId)]);
  if (!epic && tips.length === 0) {
    const known = await ctx.store.listEpics();
    throw new OrchError('not_found', `no epic ${epicId}`, { hint: known.length ? `known epics: ${known.slice(0, 8).join(', ')}` : 'nothing recorded yet: start with orch run --epic <id> "…"' });
  }
  // Findings whose quoted lines a commit has changed since are marked addressed first, review or no review.
  await reviewAddressed(ctx.deps, ctx.repo, epicId);
  const [sessionEvents, epicEvents, list] = await Promise.all([ctx.store.readEvents(epicId), ctx.store.readEpicEvents(epicId), ctx.convoys.list(epicId)]);
  const convoys = await Promise.all(list.map(async (c) => ({ id: c.id, issues: c.issues, events: await ctx.convoys.events(epicId, c.id), convoy: c })));
  return { epicId, sessionEvents, epicEvents, convoys, sessions: tips.length, budgetUsd: epic?.budget ?? null };
}

/** One convoy: its journal, the sessions its workers ran, and the epic's review follow-ups. */
export async function collectConvoy(ctx: LearningContext, convoyRaw: string, epicRaw?: string): Promise<Collected> {
  const convoyId = validateId('convoy', convoyRaw);
  if (epicRaw !== undefined) validateId('epic', epicRaw);
  const convoy = await findConvoy(ctx.convoys, convoyId, epicRaw);
  await reviewAddressed(ctx.deps, ctx.repo, convoy.epicId);
  const journal = await ctx.convoys.events(convoy.epicId, convoy.id);
  // Worker sessions and the merge queue's review sessions (their findings and cost are the convoy's).
  const ids = new Set(journal.filter((e) => e.type === L_EVENT.convoySession || e.type === L_EVENT.convoyReview).map((e) => String(e.orchSessionId)));
  const [all, epicEvents, epic] = await Promise.all([ctx.store.readEvents(convoy.epicId), ctx.store.readEpicEvents(convoy.epicId), ctx.store.getEpic(convoy.epicId)]);
  return {
    epicId: convoy.epicId,
    sessionEvents: all.filter((e) => ids.has(e.sessionId)),
    epicEvents: epicEvents.filter((e) => e.type === L_EVENT.reviewAddressed || e.type === L_EVENT.reviewDismissed),
    convoys: [{ id: convoy.id, issues: convoy.issues, events: journal, convoy }],
    sessions: ids.size,
    budgetUsd: convoy.budget ?? epic?.budget ?? null,
  };
}

export const allEvents = (c: Collected): SessionEvent[] => [...c.sessionEvents, ...c.epicEvents, ...c.convoys.flatMap((j) => j.events)].sort(byTime);

/** Tracker issues of the convoys (titles, labels, created/closed); a tracker that cannot answer gives none. */
export async function trackerIssues(top: string, c: Collected, warn: (s: string) => void): Promise<Map<string, TrackerIssue>> {
  const out = new Map<string, TrackerIssue>();
  for (const j of c.convoys) {
    try {
      for (const i of await openTracker(j.convoy.tracker, top).show(j.issues)) out.set(i.id, i);
    } catch (e) {
      warn(`tracker of convoy ${j.id} did not answer (${(e as Error).message.split('\n')[0] ?? ''}): lead times show as no data`);
    }
  }
  return out;
}

/** Sessions of the epics as the postmortem sees them: files their checkpoints recorded, and their events. */
export async function sessionViews(ctx: LearningContext, epicIds: readonly string[]): Promise<{ sessions: SessionView[]; other: SessionEvent[] }> {
  const sessions: SessionView[] = [];
  const other: SessionEvent[] = [];
  for (const epicId of epicIds) {
    const c = await collectEpic(ctx, epicId);
    other.push(...c.epicEvents, ...c.convoys.flatMap((j) => j.events));
    for (const tip of await ctx.store.listSessions(epicId)) {
      const latest = await ctx.store.latestInSession(epicId, tip.sessionId);
      sessions.push({
        epicId,
        sessionId: tip.sessionId,
        sessionNumber: tip.sessionNumber,
        checkpointId: tip.checkpointId,
        files: latest?.context.filesModified ?? [],
        events: c.sessionEvents.filter((e) => e.sessionId === tip.sessionId),
      });
    }
  }
  return { sessions, other };
}

/** Commits (any branch) that touched the files, newest 50. */
export async function commitsTouching(repo: RepoInfo, files: readonly string[]): Promise<CommitView[]> {
  if (files.length === 0) return [];
  const out = await gitText(repo.top, ['log', '--exclude=refs/orchestration/*', '--all', '-n', '50', '--format=%H%x09%cI%x09%s', '--', ...files]).catch(() => '');
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha = '', at = '', ...subject] = l.split('\t');
      return { sha, at: new Date(at).toISOString(), subject: subject.join('\t') };
    });
}

export async function showIssue(tracker: Tracker, id: string): Promise<TrackerIssue> {
  const [issue] = await tracker.show([id]).catch((e: unknown) => {
    if (e instanceof OrchError && e.code === 'not_found') return [];
    throw e;
  });
  if (!issue) throw new OrchError('not_found', `no issue ${id} in the tracker`, { hint: 'check the id with: bd show <id> (or your task file)' });
  return issue;
}
