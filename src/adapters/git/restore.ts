import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrchError } from '../../core/errors.ts';
import { git, gitText } from './git.ts';
import type { RepoInfo } from './repo.ts';

export interface RestorePlan {
  /** Files the restore writes (their content differs from the snapshot, or they are missing). */
  write: string[];
  /** Of those, files with local changes that would be lost. */
  conflicts: string[];
}

/**
 * Write a checkpoint's snapshot files back into the working tree. Files with local (uncommitted)
 * changes are not overwritten unless `force`. The user's index and HEAD are untouched: the files
 * are written from a private index.
 */
export async function restoreSnapshot(repo: RepoInfo, tree: string, force: boolean): Promise<RestorePlan> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orch-restore-'));
  const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
  try {
    await git(repo.top, ['read-tree', tree], { env });
    await git(repo.top, ['update-index', '-q', '--refresh'], { env, allowFail: true });
    const differ = (await gitText(repo.top, ['diff-files', '--name-only', '-z'], { env })).split('\0').filter(Boolean);
    const status = await gitText(repo.top, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
    const local = new Set(
      status
        .split('\0')
        .filter(Boolean)
        .map((l) => l.slice(3)),
    );
    const conflicts = differ.filter((f) => local.has(f));
    if (conflicts.length > 0 && !force) {
      const list = conflicts.slice(0, 5).join(', ') + (conflicts.length > 5 ? `, … ${conflicts.length - 5} more` : '');
      throw new OrchError('dirty_worktree', `restore would overwrite local changes in ${conflicts.length} file(s): ${list}`, {
        hint: 'commit or stash them, or pass --force',
      });
    }
    if (differ.length > 0) await git(repo.top, ['checkout-index', '-f', '-z', '--stdin'], { env, input: differ.join('\0') + '\0' });
    return { write: differ, conflicts };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
