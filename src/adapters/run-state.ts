import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { RepoInfo } from './git/repo.ts';
import { groupAlive, stopGroup } from './process/run.ts';

/** The live state of a running `orch run` (outside git: it changes every second). */
export interface LiveRun {
  pid: number;
  epicId: string;
  startedAt: string;
  updatedAt: string;
  logPath: string | null;
  background: boolean;
  sessionNumber: number | null;
  sessionId: string | null;
  turns: number;
  spentEstimate: number;
  budget: number | null;
  /** The agent's process group, so a later run can stop an agent orphaned by a killed orch. */
  agentPid: number | null;
  state: 'starting' | 'running' | 'stopping';
}

export const runsDir = (repo: RepoInfo): string => path.join(repo.commonDir, 'orch', 'runs');
export const liveFile = (repo: RepoInfo, epicId: string): string => path.join(runsDir(repo), `${epicId}.json`);
export const logsDir = (repo: RepoInfo): string => path.join(repo.commonDir, 'orch', 'logs');

/** temp + fsync + rename: a reader never sees half a file, a crash never leaves one. */
export function writeJsonAtomic(file: string, data: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function readLiveAt(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

export function readLive(repo: RepoInfo, epicId: string): LiveRun | null {
  return readLiveAt(liveFile(repo, epicId)) as LiveRun | null;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited process its parent has not reaped yet (a zombie) still answers kill(pid, 0).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

/** A live record whose orch process is gone was left by a crash (kill -9): clean up after it. */
export async function reapDeadRun(repo: RepoInfo, epicId: string): Promise<{ stale: LiveRun | null; killedAgent: boolean }> {
  const live = readLive(repo, epicId);
  if (!live || pidAlive(live.pid)) return { stale: null, killedAgent: false };
  let killedAgent = false;
  if (live.agentPid !== null && groupAlive(live.agentPid)) {
    await stopGroup(live.agentPid, 1000, ['SIGTERM', 'SIGKILL']);
    killedAgent = true;
  }
  rmSync(liveFile(repo, epicId), { force: true });
  return { stale: live, killedAgent };
}

export function clearLive(repo: RepoInfo, epicId: string, pid: number): void {
  const live = readLive(repo, epicId);
  if (live?.pid === pid) rmSync(liveFile(repo, epicId), { force: true });
}
