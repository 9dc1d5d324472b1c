/**
 * One tracker port for convoys and briefs: beads (`bd … --json`) or a plain task file.
 * Field names are ours; adapters map their sources onto them (beads-gastown.md §2.2).
 */

/** Built-in beads statuses; custom ones pass through as plain strings. */
export type TrackerStatus = 'open' | 'in_progress' | 'blocked' | 'deferred' | 'closed' | 'pinned' | 'hooked' | (string & {});

export interface TrackerDependency {
  /** The issue this one depends on (is blocked by, is a child of, was discovered from …). */
  id: string;
  /** Dependency kind as beads names it: `blocks`, `parent-child`, `discovered-from`, … */
  type: string;
}

export interface TrackerIssue {
  id: string;
  title: string;
  description: string;
  acceptance: string;
  notes: string;
  status: TrackerStatus;
  /** 0 (critical) … 4 (backlog); 0 is meaningful. */
  priority: number;
  type: string;
  assignee: string | null;
  labels: string[];
  dependencies: TrackerDependency[];
  parent: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  closedAt: string | null;
  closeReason: string | null;
  /** Wisps: local, never synced, never ready. */
  ephemeral: boolean;
  /** Hidden from ready until then (RFC 3339). */
  deferUntil: string | null;
  /** Orchestrator-owned keys live here (`orch.session`, …), never in first-class fields. */
  metadata: Record<string, unknown>;
}

export interface ReadyQuery {
  parent?: string;
  /** Omitted = no limit (beads' own default of 100 would silently truncate). */
  limit?: number;
}

export interface ListQuery {
  /** Omitted = every issue, closed ones included. */
  status?: TrackerStatus;
  parent?: string;
}

export interface IssuePatch {
  /** Appended to the existing notes (progress notes accumulate; nothing is overwritten). */
  notes?: string;
  /** Merged key by key; values are strings as beads' `--set-metadata k=v` stores them. */
  metadata?: Record<string, string>;
  status?: TrackerStatus;
}

export interface NewIssue {
  title: string;
  description: string;
  type: string;
  priority: number;
  /** Adds a `discovered-from` edge to the issue the worker was on. */
  discoveredFrom?: string;
  parent?: string;
  labels?: string[];
}

export interface Tracker {
  readonly kind: 'beads' | 'task-file';
  /** Open issues with no open blocker, highest priority first. */
  ready(query?: ReadyQuery): Promise<TrackerIssue[]>;
  /** Many ids in as few calls as the backend allows; result follows the order of `ids`. */
  show(ids: readonly string[]): Promise<TrackerIssue[]>;
  /**
   * Take an issue for `assignee`. Resolves with the re-read issue only once it shows `assignee`
   * and `in_progress`; rejects with `lock_held` when someone else holds it.
   */
  claim(id: string, assignee: string): Promise<TrackerIssue>;
  update(id: string, patch: IssuePatch): Promise<TrackerIssue>;
  /** Resolves with the re-read issue once it is really `closed`. */
  close(id: string, reason: string): Promise<TrackerIssue>;
  create(input: NewIssue): Promise<TrackerIssue>;
  comment(id: string, text: string): Promise<void>;
  list(query?: ListQuery): Promise<TrackerIssue[]>;
}

/** Dependency kinds that keep an issue out of `ready` while the target is not closed (§2.4). */
export const BLOCKING_KINDS: ReadonlySet<string> = new Set(['blocks', 'conditional-blocks', 'waits-for']);
