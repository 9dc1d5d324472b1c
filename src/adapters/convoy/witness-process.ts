import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/ports.ts';
import { appendConvoy } from '../../core/convoy/runner.ts';
import { foldConvoy } from '../../core/convoy/state.ts';
import { witnessDecisions, type WorkerPulse } from '../../core/convoy/witness.ts';
import type { Tracker } from '../../core/tracker/types.ts';
import type { Convoy } from '../../schema/convoy.ts';
import type { RepoInfo } from '../git/repo.ts';
import { groupAlive, stopGroup } from '../process/run.ts';
import { pidAlive, readLiveAt } from '../run-state.ts';
import type { GitConvoyStore } from '../store/convoy-store.ts';
import { progressFile } from './worktrees.ts';
import { convoyDir } from './worktrees.ts';

export const witnessFile = (repo: RepoInfo, convoyId: string): string => path.join(convoyDir(repo, convoyId), 'witness.json');

export function witnessRunning(repo: RepoInfo, convoyId: string): { pid: number; startedAt: string; pollSeconds: number } | null {
  const w = readLiveAt(witnessFile(repo, convoyId)) as { pid: number; startedAt: string; pollSeconds: number } | null;
  return w && pidAlive(w.pid) ? w : null;
}

/** Heartbeats of the convoy's running workers: their progress files (pid, last write). */
export function pulses(repo: RepoInfo, convoy: Convoy, running: { issueId: string; workerId: string }[]): WorkerPulse[] {
  return running.map(({ issueId, workerId }) => {
    const file = progressFile(repo, convoy.id, workerId);
    try {
      const { pid, finished } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; finished?: boolean };
      // A worker that finished normally is gone too, until the runner records its exit: not dead.
      return { issueId, workerId, lastProgress: statSync(file).mtime, alive: finished === true || groupAlive(pid) };
    } catch {
      return { issueId, workerId, lastProgress: null, alive: true }; // not started yet: not stale
    }
  });
}

/** One witness pass: stop stale or dead workers and record the restarts (the runner re-dispatches). */
export async function witnessPass(repo: RepoInfo, store: GitConvoyStore, tracker: Tracker, clock: Clock, convoyId: string, epicId: string): Promise<{ finished: boolean; acted: string[] }> {
  let convoy = (await store.get(epicId, convoyId))!;
  const st = foldConvoy(convoy, await store.events(epicId, convoyId));
  if (st.finished || st.cancelled) return { finished: true, acted: [] };
  const running = [...st.issues.values()].filter((i) => i.status === 'running' && i.workerId).map((i) => ({ issueId: i.id, workerId: i.workerId! }));
  const acted: string[] = [];
  for (const d of witnessDecisions(convoy, st, pulses(repo, convoy, running), { staleMinutes: convoy.staleMinutes, maxRestarts: convoy.maxRestarts }, clock.now())) {
    try {
      const { pid } = JSON.parse(readFileSync(progressFile(repo, convoy.id, d.workerId), 'utf8')) as { pid: number };
      await stopGroup(pid, 2000, ['SIGTERM', 'SIGKILL']);
    } catch {
      /* already gone */
    }
    if (d.escalate) await tracker.comment(d.issueId, `orch witness: ${d.reason}; giving up on this issue in convoy ${convoy.id}`).catch(() => undefined);
    convoy = await appendConvoy(store, epicId, convoyId, d.events, undefined, convoy);
    acted.push(`${d.issueId}: ${d.reason} → ${d.action}`);
  }
  return { finished: false, acted };
}

