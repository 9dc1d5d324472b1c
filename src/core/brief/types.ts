import type { Entry } from '../../schema/context.ts';
import type { BudgetStatus } from '../budget.ts';
import type { GateChange } from '../gates/compare.ts';

/** One commit on the user's branch since the epic began. */
export interface CommitFact {
  sha: string;
  /** Committer date, ISO UTC. */
  at: string;
  subject: string;
  /** "Revert …" subject or a "This reverts commit <sha>" body: the sha reverted (or null when unnamed). */
  reverts: string | null;
  isRevert: boolean;
}

export interface FileStat {
  path: string;
  /** null for binary files (git prints "-"). */
  insertions: number | null;
  deletions: number | null;
}

/** What git says happened between the epic's first recorded HEAD and now. */
export interface GitHistoryFacts {
  from: string | null;
  to: string | null;
  /** Newest first, at most the adapter's limit; `total` counts them all. */
  commits: CommitFact[];
  total: number;
  /** Every revert commit in the range, even beyond the listing limit. */
  reverts: CommitFact[];
  files: FileStat[];
  insertions: number;
  deletions: number;
  /** Why the history could not be read (a rewritten branch, a missing object); facts stay empty. */
  error: string | null;
}

/** The git port the brief reads history through (adapter: src/adapters/git/history.ts). */
export interface GitHistorySource {
  /** Commits and diffstat from `from` (exclusive; null = from the root) to `to` (null = current HEAD). */
  history(from: string | null, to: string | null): Promise<GitHistoryFacts>;
}

export type DidntWorkKind = 'gate' | 'agent_error' | 'timeout' | 'crash' | 'budget' | 'permission' | 'repeated_command' | 'revert' | 'tried' | 'blocker';

/** One thing that did not work, dated and tied to a session. */
export interface DidntWork {
  kind: DidntWorkKind;
  at: string;
  /** 0 = before the epic's first session (an old revert). */
  sessionNumber: number;
  text: string;
  /** Where a noted entry came from (`epic-note:…` = recorded on the epic record between sessions). */
  source?: string;
}

export interface GateLine {
  name: string;
  latest: string | null;
  baseline: string | null;
  change: GateChange | null;
  /** Failing in the latest run. */
  failingTests: string[];
  /** Failing in the latest run and in its baseline: the session did not cause them. */
  predates: boolean;
}

export interface GateFacts {
  latest: { phase: string; at: string; sessionNumber: number; ok: boolean };
  baseline: { at: string; sessionNumber: number; ok: boolean } | null;
  gates: GateLine[];
}

export interface TrackerFacts {
  done: { id: string; title: string }[];
  inProgress: { id: string; title: string }[];
  blocked: { id: string; title: string }[];
  /** Why the configured tracker did not answer (the lists are then empty); null when it did. */
  error: string | null;
}

/** Everything a resume brief says, as data (`orch brief --json` prints this). */
export interface BriefFacts {
  epicId: string;
  goal: string | null;
  /** The session the brief is for: the live one, or the next one. */
  sessionNumber: number;
  sessionIsLive: boolean;
  budget: BudgetStatus;
  /** Unpriced charges recorded in the epic: spend beyond `budget.spent` that is unknown. */
  unknownCharges: number;
  last: { id: string; createdAt: string; trigger: string; reason: string; sessionNumber: number; status: string } | null;
  code: { branch: string | null; head: string | null } | null;
  task: string | null;
  git: GitHistoryFacts | null;
  uncommitted: string[];
  gates: GateFacts | null;
  tracker: TrackerFacts | null;
  decisions: Entry[];
  notes: Entry[];
  nextSteps: string[];
  didntWork: DidntWork[];
}
