import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { git } from './git.ts';
import { createLooseRef, deleteLooseRef } from './objects.ts';
import { plainRepository } from './plain.ts';
import type { RepoInfo } from './repo.ts';

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * `git worktree add -b <branch> <dir> <commit>` done as git does it — the branch's ref, the admin
 * directory `worktrees/<name>` (gitdir, commondir, HEAD; `locked` while it is made) and the
 * worktree's `.git` file — leaving git only the checkout (`reset --hard`, the command worktree add
 * itself runs): one git process instead of four (worktree add starts branch, symbolic-ref and reset).
 * The branch has no reflog entry for its creation (git starts its reflog at the first commit on it).
 * false, with nothing left behind, when the case is not plain — a hook or settings git would apply
 * (`plainRepository`), a name git would rewrite, the branch or directory already there — and git must do it.
 */
export async function addWorktreeOnNewBranch(repo: RepoInfo, dir: string, branch: string, commit: string): Promise<boolean> {
  const name = path.basename(dir);
  if (!PLAIN_NAME.test(name) || name.endsWith('.lock') || !(await plainRepository(repo))) return false;
  if (existsSync(dir) && readdirSync(dir).length > 0) return false;
  const admins = path.join(repo.commonDir, 'worktrees');
  mkdirSync(admins, { recursive: true });
  // git's own naming: the directory's name, numbered when another worktree has it.
  let admin = path.join(admins, name);
  for (let n = 1; !tryMkdir(admin); n++) admin = path.join(admins, `${name}${n}`);
  const ref = `refs/heads/${branch}`;
  let created = false;
  try {
    writeFileSync(path.join(admin, 'locked'), 'initializing');
    created = (await createLooseRef(repo, ref, commit)) === true;
    if (!created) {
      rmSync(admin, { recursive: true, force: true });
      return false;
    }
    mkdirSync(dir, { recursive: true });
    const top = realpathSync(dir);
    writeFileSync(path.join(admin, 'HEAD'), `ref: ${ref}\n`);
    writeFileSync(path.join(admin, 'commondir'), '../..\n');
    writeFileSync(path.join(admin, 'gitdir'), `${path.join(top, '.git')}\n`);
    writeFileSync(path.join(dir, '.git'), `gitdir: ${realpathSync(admin)}\n`);
    await git(top, ['reset', '--hard', '--no-recurse-submodules', '--quiet']);
    rmSync(path.join(admin, 'locked'));
    return true;
  } catch (e) {
    // As git does when the checkout fails: no half-made worktree, no branch it created.
    rmSync(dir, { recursive: true, force: true });
    rmSync(admin, { recursive: true, force: true });
    if (created) await deleteLooseRef(repo, ref, commit);
    throw e;
  }
}

function tryMkdir(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir).isDirectory()) return false;
    throw e;
  }
}
