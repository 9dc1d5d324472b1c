import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { Entry, NoteKind } from '../../schema/context.ts';
import type { Epic } from '../../schema/epic.ts';
import type { SessionEvent } from '../../schema/event.ts';
import { EVENT } from '../../schema/events.ts';
import { budgetStatus } from '../budget.ts';
import { isLive } from '../session/lifecycle.ts';
import type { SessionTip } from '../store.ts';
import type { TrackerIssue } from '../tracker/types.ts';
import { whatDidntWork } from './didnt-work.ts';
import { gateFacts } from './gates.ts';
import { isoUtc, num, oneLine, str } from './payload.ts';
import type { BriefFacts, GitHistoryFacts, TrackerFacts } from './types.ts';

/** The durable records a brief is built from, already read from the store and git. */
export interface BriefMaterial {
  epic: Epic;
  tips: readonly SessionTip[];
  /** Newest first, as CheckpointStore.listCheckpoints returns them. */
  checkpoints: readonly Checkpoint[];
  /** Events of every session of the epic. */
  events: readonly SessionEvent[];
  /** Events on the epic record (budget changes, notes recorded with no live session). */
  epicEvents: readonly SessionEvent[];
  git: GitHistoryFacts | null;
  tracker?: readonly TrackerIssue[] | null;
  /** The configured tracker did not answer: why (the brief says so instead of listing issues). */
  trackerError?: string | null;
}

const NOTE_KINDS: readonly string[] = ['note', 'decision', 'tried', 'blocker'];

/** A note event as a context entry; epic-level notes are said to come after the last session. */
export function noteEntry(e: SessionEvent, epicLevel: boolean): { kind: NoteKind; entry: Entry } | null {
  const kind = str(e.kind);
  const text = str(e.text);
  if (e.type !== EVENT.note || !kind || !NOTE_KINDS.includes(kind) || !text) return null;
  const sessionNumber = epicLevel ? (num(e.afterSession) ?? 0) : e.sessionNumber;
  return { kind: kind as NoteKind, entry: { at: e.at, sessionNumber, text, source: `${epicLevel ? 'epic-note' : 'note'}:${kind}` } };
}

/** Merge entries from many contexts and note events: one per (session, text), newest first. */
function merge(lists: readonly (readonly Entry[])[]): Entry[] {
  const seen = new Map<string, Entry>();
  for (const e of lists.flat()) {
    const key = `${e.sessionNumber}|${oneLine(e.text)}`;
    const prev = seen.get(key);
    if (!prev || (!prev.source && e.source)) seen.set(key, { ...e, at: isoUtc(e.at) });
  }
  return [...seen.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

function trackerFacts(issues: readonly TrackerIssue[]): TrackerFacts {
  const pick = (f: (i: TrackerIssue) => boolean): { id: string; title: string }[] => issues.filter(f).map((i) => ({ id: i.id, title: i.title }));
  const closed = new Set(issues.filter((i) => i.status === 'closed').map((i) => i.id));
  const waiting = (i: TrackerIssue): boolean => i.dependencies.some((d) => d.type === 'blocks' && !closed.has(d.id) && issues.some((x) => x.id === d.id));
  return {
    done: pick((i) => i.status === 'closed'),
    inProgress: pick((i) => i.status === 'in_progress' || i.status === 'hooked'),
    blocked: pick((i) => i.status === 'blocked' || (i.status === 'open' && waiting(i))),
    error: null,
  };
}

/** Assemble a brief's facts from durable records. Pure: no store, no git, no clock. */
export function collectBriefFacts(m: BriefMaterial): BriefFacts {
  const newestPerSession = new Map<string, Checkpoint>();
  const startOf = new Map<number, string>();
  for (const c of m.checkpoints) {
    if (!newestPerSession.has(c.sessionId)) newestPerSession.set(c.sessionId, c);
    const s = startOf.get(c.sessionNumber);
    if (s === undefined || c.createdAt < s) startOf.set(c.sessionNumber, c.createdAt);
  }
  const contexts = [...newestPerSession.values()].map((c) => c.context);
  const notes = [...m.events.map((e) => noteEntry(e, false)), ...m.epicEvents.map((e) => noteEntry(e, true))].filter((n) => n !== null);
  const ofKind = (...kinds: NoteKind[]): Entry[] => notes.filter((n) => kinds.includes(n.kind)).map((n) => n.entry);

  const blockers = merge([...contexts.map((c) => c.blockers), ofKind('tried', 'blocker')]);
  const decisions = merge([...contexts.map((c) => c.decisions), ofKind('decision')]);
  const noteList = merge([...contexts.map((c) => c.notes), ofKind('note')]);

  const last = m.checkpoints[0] ?? null;
  const withGit = m.checkpoints.find((c) => c.git !== null) ?? null;
  const liveTip = m.tips.filter((t) => isLive(t.status)).at(-1) ?? null;
  const task = last?.context.currentTask ?? null;
  const allEvents = [...m.events, ...m.epicEvents];

  return {
    epicId: m.epic.epicId,
    goal: m.epic.goal,
    sessionNumber: liveTip ? liveTip.sessionNumber : m.epic.sessionCount + 1,
    sessionIsLive: liveTip !== null,
    budget: budgetStatus(m.epic.budget, m.tips),
    unknownCharges: m.events.filter((e) => e.type === EVENT.costCharged).reduce((n, e) => n + (e.amount === null ? 1 : 0) + (num(e.unpricedCalls) ?? 0), 0),
    last: last && { id: last.id, createdAt: last.createdAt, trigger: last.trigger, reason: last.reason, sessionNumber: last.sessionNumber, status: last.status },
    code: withGit?.git ? { branch: withGit.git.branch, head: withGit.git.head } : null,
    task,
    git: m.git,
    uncommitted: withGit?.git?.changed ?? [],
    gates: gateFacts(m.events),
    tracker: m.trackerError ? { done: [], inProgress: [], blocked: [], error: m.trackerError } : m.tracker ? trackerFacts(m.tracker) : null,
    decisions,
    notes: noteList,
    nextSteps: noteList.length > 0 ? noteList.slice(0, 3).map((n) => n.text) : task ? [`Continue the task: ${task}`] : [],
    didntWork: whatDidntWork({
      events: allEvents,
      tips: m.tips,
      blockers,
      commits: m.git?.reverts ?? [],
      sessionStarts: [...startOf].map(([sessionNumber, at]) => ({ sessionNumber, at })),
    }),
  };
}
