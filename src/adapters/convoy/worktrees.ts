import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MergeResult } from '../../core/convoy/runner.ts';
import { compareGateRuns } from '../../core/gates/compare.ts';
import type { Convoy } from '../../schema/convoy.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { git, gitText } from '../git/git.ts';
import { branchExists, readBranch } from '../git/objects.ts';
import { addWorktreeOnNewBranch } from '../git/worktree-add.ts';
import { readHead } from '../git/snapshot.ts';
import { changedPaths } from '../git/tree-diff.ts';
import { withPidLock } from '../process/pid-lock.ts';
import { serialise } from '../trackers/queue.ts';
import type { RepoInfo } from '../git/repo.ts';

export const convoyDir = (repo: RepoInfo, convoyId: string): string => path.join(repo.commonDir, 'orch', 'convoys', convoyId);
/** A worker's live progress (pid, last write): its heartbeat for the witness. */
export const progressFile = (repo: RepoInfo, convoyId: string, workerId: string): string => path.join(convoyDir(repo, convoyId), 'workers', `${workerId}.json`);
/** What placing a convoy's worktrees needs to know of it (a worker process gets just this). */
export type ConvoyPlace = Pick<Convoy, 'id' | 'integrationBranch' | 'base'>;
export const issueBranch = (convoy: ConvoyPlace, issueId: string): string => `orch/${convoy.id}/${issueId}`;
/**
 * Worker worktrees live next to the repository (`<repo>.orch-worktrees/<convoy>/<issue>`), not
 * inside `.git`: agents refuse to write under a `.git` directory. ORCH_WORKTREES moves them.
 */
export function worktreeRoot(repo: RepoInfo): string {
  const main = path.dirname(repo.commonDir);
  return process.env.ORCH_WORKTREES ?? path.join(path.dirname(main), `${path.basename(main)}.orch-worktrees`);
}
export const worktreePath = (repo: RepoInfo, convoy: ConvoyPlace, name: string): string => path.join(worktreeRoot(repo), convoy.id, name);

/** A worktree on `branch` (created from `from` when new). The user's checkout is never used. */
async function ensureWorktree(repo: RepoInfo, dir: string, branch: string, from: string): Promise<string> {
  if (existsSync(path.join(dir, '.git'))) return dir;
  mkdirSync(path.dirname(dir), { recursive: true });
  if (await branchExists(repo, branch)) {
    await git(repo.top, ['worktree', 'add', '-q', dir, branch]);
    return dir;
  }
  const start = await readBranch(repo, from);
  if (!start || !(await addWorktreeOnNewBranch(repo, dir, branch, start))) await git(repo.top, ['worktree', 'add', '-q', '-b', branch, dir, start ?? from]);
  return dir;
}

/**
 * Worktrees (and the integration branch) are prepared one at a time per repository — by the
 * workers themselves, so across processes: a `git worktree add` that lists the worktrees fails on
 * another's half-written admin directory ("failed to read .git/worktrees/Q/commondir", seen in
 * CI), and a preparation asked twice finds the first one's worktree in place.
 */
function oneAtATime<T>(repo: RepoInfo, job: () => Promise<T>): Promise<T> {
  return serialise(`worktree-add:${repo.commonDir}`, async () => {
    const dir = path.join(repo.commonDir, 'orch');
    mkdirSync(dir, { recursive: true });
    return withPidLock(path.join(dir, 'worktree-add.lock'), job);
  });
}

/** Forget worktrees whose directories are gone (once per runner start). */
export async function pruneWorktrees(repo: RepoInfo): Promise<void> {
  await git(repo.top, ['worktree', 'prune']);
}

async function prepareIntegration(repo: RepoInfo, convoy: ConvoyPlace): Promise<string> {
  if (!(await branchExists(repo, convoy.integrationBranch))) await git(repo.top, ['branch', convoy.integrationBranch, convoy.base]);
  return ensureWorktree(repo, worktreePath(repo, convoy, '_merge'), convoy.integrationBranch, convoy.base);
}

export function ensureIntegration(repo: RepoInfo, convoy: ConvoyPlace): Promise<string> {
  // In place already (every merge after the first): no wait behind workers' preparations.
  const dir = worktreePath(repo, convoy, '_merge');
  if (existsSync(path.join(dir, '.git'))) return Promise.resolve(dir);
  return oneAtATime(repo, () => prepareIntegration(repo, convoy));
}

/** The issue's worktree on `orch/<convoy>/<issue>`, branched from the integration branch's tip. */
export function ensureIssueWorktree(repo: RepoInfo, convoy: ConvoyPlace, issueId: string): Promise<string> {
  return oneAtATime(repo, async () => {
    await prepareIntegration(repo, convoy);
    return ensureWorktree(repo, worktreePath(repo, convoy, issueId), issueBranch(convoy, issueId), convoy.integrationBranch);
  });
}

/** A linked worktree's HEAD commit, read from its files (git when they do not answer plainly). */
async function headOf(repo: RepoInfo, dir: string): Promise<string> {
  const dotGit = await readFile(path.join(dir, '.git'), 'utf8').catch(() => '');
  const gitDir = /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim();
  const head = gitDir ? (await readHead({ ...repo, top: dir, gitDir: path.resolve(dir, gitDir) })).head : null;
  return head ?? (await gitText(dir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * Merge an issue's branch into the integration branch in the convoy's own merge worktree, then run
 * the gates there. A conflict or a gate that regressed against the last good integration run undoes
 * the merge. `lastGood` is updated on success.
 */
export async function mergeIssue(
  repo: RepoInfo,
  convoy: Convoy,
  issueId: string,
  gates: (cwd: string) => Promise<GateRun | null>,
  lastGood: { run: GateRun | null },
): Promise<MergeResult> {
  const dir = await ensureIntegration(repo, convoy);
  if (lastGood.run === null) lastGood.run = await gates(dir);
  const before = await headOf(repo, dir);
  const m = await git(dir, ['merge', '--no-ff', '--no-edit', '-m', `Merge ${issueId} (orch convoy ${convoy.id})`, issueBranch(convoy, issueId)], { allowFail: true });
  if (m.code !== 0) {
    const files = (await gitText(dir, ['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
    await git(dir, ['merge', '--abort'], { allowFail: true });
    await git(dir, ['reset', '-q', '--hard', before]);
    return { ok: false, kind: 'conflict', files, reason: files.length ? `merge conflict with ${convoy.integrationBranch} in ${files.join(', ')}` : `merge failed: ${m.stderr.trim().split('\n')[0] ?? ''}` };
  }
  const commit = await headOf(repo, dir);
  const files = await changedPaths(repo, before, commit);
  const after = await gates(dir);
  if (after && lastGood.run) {
    const cmp = compareGateRuns(lastGood.run, after);
    if (cmp.regressions.length) {
      await git(dir, ['reset', '-q', '--hard', before]);
      const tests = cmp.gates.flatMap((g) => g.newlyFailingTests).slice(0, 6);
      return { ok: false, kind: 'gate', files, reason: `after merging, gate ${cmp.regressions.join(', ')} failed${tests.length ? ` (${tests.join(', ')})` : ''}; the merge was undone` };
    }
  }
  if (after) lastGood.run = after;
  return { ok: true, commit, files };
}
