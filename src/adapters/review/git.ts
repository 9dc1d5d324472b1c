import { OrchError } from '../../core/errors.ts';
import type { ReviewHistory } from '../../core/review/followup.ts';
import type { CheckpointStore } from '../../core/store.ts';
import { git, gitText } from '../git/git.ts';
import type { RepoInfo } from '../git/repo.ts';

/** `base` as a commit id; a clear usage error when it names nothing. */
export async function resolveCommit(repo: RepoInfo, rev: string): Promise<string> {
  const res = await git(repo.top, ['rev-parse', '-q', '--verify', '--end-of-options', `${rev}^{commit}`], { allowFail: true });
  const sha = res.stdout.toString('utf8').trim();
  if (res.code !== 0 || !sha) throw new OrchError('usage', `--base ${JSON.stringify(rev)} is not a commit here`, { hint: 'give a branch, tag or commit id, e.g. --base main' });
  return sha;
}

/**
 * Where the epic's diff starts: `--base` when given, else the HEAD recorded at the epic's first
 * checkpoint (the code as it was when the epic began).
 */
export async function reviewBase(repo: RepoInfo, store: CheckpointStore, epicId: string, base: string | null | undefined): Promise<string> {
  if (base) return resolveCommit(repo, base);
  const { checkpoints } = await store.listCheckpoints(epicId);
  const first = checkpoints.findLast((c) => c.git?.head);
  if (!first?.git?.head) {
    throw new OrchError('usage', `epic ${epicId} has no checkpoint that recorded a commit, so its diff has no start`, { hint: `give one: orch review run --epic ${epicId} --base main` });
  }
  return resolveCommit(repo, first.git.head);
}

/** The diff from `base` to a tree of the working files (so uncommitted work is reviewed too). */
export async function diffToTree(repo: RepoInfo, base: string, tree: string): Promise<string> {
  return gitText(repo.top, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '-U3', base, tree, '--']);
}

export async function fileAt(repo: RepoInfo, treeish: string, path: string): Promise<string | null> {
  const res = await git(repo.top, ['cat-file', 'blob', `${treeish}:${path}`], { allowFail: true });
  return res.code === 0 ? res.stdout.toString('utf8') : null;
}

export function reviewHistory(repo: RepoInfo): ReviewHistory {
  return {
    async commitsTouching(since, path) {
      const res = await git(repo.top, ['log', '--reverse', '--format=%H', `${since}..HEAD`, '--', path], { allowFail: true });
      return res.code === 0 ? res.stdout.toString('utf8').split('\n').filter(Boolean) : [];
    },
    fileAt: (treeish, path) => fileAt(repo, treeish, path),
  };
}
