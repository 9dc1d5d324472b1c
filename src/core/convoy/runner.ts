import type { Convoy } from '../../schema/convoy.ts';
import type { Clock } from '../ports.ts';
import type { Tracker, TrackerIssue } from '../tracker/types.ts';
import { OrchError } from '../errors.ts';
import type { ConvoyState } from './state.ts';
import type { ConvoyEventInput, ConvoyStore } from './types.ts';

export interface WorkerExit {
  code: number;
  done: boolean;
  costUsd: number | null;
  summary: string;
  /** New work the agent reported (DISCOVERED: lines). */
  discovered: string[];
}

export interface RunningWorker {
  workerId: string;
  issueId: string;
  pid: number;
  exited: Promise<WorkerExit>;
  /** When the worker last showed progress (its live state); null = unknown yet. */
  lastProgress(): Date | null;
  alive(): boolean;
  stop(): Promise<void>;
}

export type MergeResult = { ok: true; commit: string; files: string[] } | { ok: false; kind: 'conflict' | 'gate'; files: string[]; reason: string };

export interface WorkerLaunch {
  convoy: Convoy;
  issue: TrackerIssue;
  workerId: string;
  attempt: number;
  budgetShare: number | null;
  previousSessionId: string | null;
  sentBack: string[];
}

/** What the convoy runner needs from outside: the tracker, worker processes, the merge queue. */
export interface ConvoyPorts {
  store: ConvoyStore;
  tracker: Tracker;
  clock: Clock;
  newWorkerId: () => string;
  launchWorker(input: WorkerLaunch): Promise<RunningWorker>;
  /** After a dispatcher restart: the worker an engine still runs for this launch, or null (then it restarts). */
  adopt?: (input: WorkerLaunch) => Promise<RunningWorker | null>;
  /** The peer review of an issue's branch (when the convoy requires it). */
  review?: (convoy: Convoy, issueId: string) => Promise<{ ok: boolean; reason: string; sessionId: string | null }>;
  /** Merge the issue's branch into the integration branch, gates after; undo on failure. */
  merge(convoy: Convoy, issueId: string): Promise<MergeResult>;
  /** True while a standalone witness process watches this convoy (the runner then leaves it to it). */
  externalWitness?: () => Promise<boolean>;
  /** Mark a session interrupted (compare-and-swap): a superseded worker's next write then fails. */
  fence(sessionId: string): Promise<void>;
  /** Spend of the convoy so far: its sessions' recorded costs (derived). */
  spent(convoy: Convoy, st: ConvoyState): Promise<number>;
  onProgress?: (line: string) => void;
  stop: AbortSignal;
  pollMs?: number;
}

export interface ConvoyRunResult {
  done: string[];
  failed: string[];
  pending: string[];
  stoppedBy: 'finished' | 'budget' | 'stopped' | 'cancelled';
}

/** Append to the convoy journal, re-reading and retrying when another writer (a worker) got there first. */
export async function appendConvoy(
  store: ConvoyStore,
  epicId: string,
  convoyId: string,
  events: ConvoyEventInput[],
  change?: (c: Convoy) => Convoy,
  known?: Convoy,
): Promise<Convoy> {
  for (let i = 0; i < 50; i++) {
    // First try on the version we already hold; re-read only when someone else wrote in between.
    const cur = i === 0 && known ? known : await store.get(epicId, convoyId);
    if (!cur) throw new OrchError('not_found', `no convoy ${convoyId} in epic ${epicId}`);
    const next = change ? change(structuredClone(cur)) : cur;
    const written = await store.append(next, events, cur.updatedAt);
    if (written) return written;
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 30));
  }
  throw new OrchError('ref_conflict', `convoy ${convoyId} is being written by others; gave up`, { hint: 'retry the command' });
}

/** Issue text + convoy context + why earlier attempts were sent back: the worker's task. */
export function workerTask(convoy: Convoy, issue: Pick<TrackerIssue, 'id' | 'title' | 'description' | 'acceptance' | 'notes'>, sentBack: string[]): string {
  return [
    `Work on issue ${issue.id} of convoy ${convoy.name} (epic ${convoy.epicId}): ${issue.title}`,
    issue.description && `\n## Description\n${issue.description}`,
    issue.acceptance && `\n## Acceptance\n${issue.acceptance}`,
    issue.notes && `\n## Notes\n${issue.notes}`,
    `\n## Convoy\nYou work in your own git worktree on branch orch/${convoy.id}/${issue.id}; commit your work there. Other workers handle the other issues (${convoy.issues.filter((i) => i !== issue.id).join(', ') || 'none'}). Your branch is merged into ${convoy.integrationBranch} when you are done and the gates pass. Report new work you discover as lines starting with "DISCOVERED: <title>".`,
    sentBack.length ? `\n## Sent back earlier\n${sentBack.map((s) => `- ${s}`).join('\n')}\nIf a merge conflicted, run \`git merge ${convoy.integrationBranch}\` in your worktree, resolve, and commit.` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
