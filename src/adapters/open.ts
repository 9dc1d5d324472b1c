import type { CoreDeps } from '../core/deps.ts';
import { nullSink, type EventSink } from '../core/ports.ts';
import { systemClock } from './clock.ts';
import { openRepo, type RepoInfo } from './git/repo.ts';
import { DEFAULT_SECRET_PATTERNS, takeSnapshot } from './git/snapshot.ts';
import { ulidIds } from './ids.ts';
import { GitCheckpointStore } from './store/git-store.ts';

export interface OpenOptions {
  events?: EventSink;
  secretPatterns?: readonly string[];
  /** The repository already opened for `cwd` (saves a git call where start-up time counts, as in hooks). */
  repo?: RepoInfo;
}

/** Production wiring: the git repository around `cwd`, the system clock, monotonic ULIDs. */
export async function openGitDeps(cwd: string, o: OpenOptions = {}): Promise<{ deps: CoreDeps; repo: RepoInfo; store: GitCheckpointStore }> {
  const repo = o.repo ?? (await openRepo(cwd));
  // ORCH_STALE_LOCK_MS: how old a ref lock must be to count as left by a dead writer (tests shorten it).
  const staleLockMs = Number(process.env.ORCH_STALE_LOCK_MS) || undefined;
  const store = new GitCheckpointStore(repo, () => systemClock.now(), staleLockMs ? { staleLockMs } : {});
  const patterns = o.secretPatterns ?? DEFAULT_SECRET_PATTERNS;
  const deps: CoreDeps = {
    store,
    workspace: { snapshot: () => takeSnapshot(repo, patterns) },
    clock: systemClock,
    ids: ulidIds(),
    events: o.events ?? nullSink,
  };
  return { deps, repo, store };
}
