import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { GitState } from '../../schema/checkpoint.ts';
import { indexRootTree } from './index-file.ts';
import { advanceBranch, commitTree, writeCommit } from './objects.ts';
import { plainRepository } from './plain.ts';
import type { RepoInfo } from './repo.ts';
import { readHead, readPrivateIndex } from './snapshot.ts';

/** The identity orch's git calls commit with (git.ts sets it for every call). */
const IDENT = 'orch <orch@localhost>';

/** `git commit -m`'s clean-up of a message: trailing spaces, runs of blank lines, blank ends. */
export function cleanMessage(message: string): string {
  const lines = message.split('\n').map((l) => l.replace(/\s+$/, ''));
  const kept = lines.filter((l, i) => l !== '' || (i > 0 && lines[i - 1] !== ''));
  while (kept[0] === '') kept.shift();
  while (kept.at(-1) === '') kept.pop();
  return `${kept.join('\n')}\n`;
}

/** git's "+HHMM" offset of local time at `when`. */
function tzOffset(when: Date): string {
  const m = -when.getTimezoneOffset();
  const a = Math.abs(m);
  return `${m < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}

/** Take `<file>.lock` as git does (O_EXCL); null when someone holds it. */
function lockFile(file: string): number | null {
  try {
    return openSync(`${file}.lock`, 'wx', 0o666);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
}

/**
 * Commit the work tree as the last snapshot left it, on the worktree's branch: what `git add -A`
 * and `git commit -m` do there, without their two processes. The snapshot's tree is the commit's
 * tree; the branch moves under git's ref lock with its reflog and HEAD's appended as git commit
 * appends them (`advanceBranch`, orch's in-process ref protocol); the snapshot's private index — whose cache tree proves it holds exactly that tree —
 * becomes the worktree's index, so `git status` there is clean. Returns `{ commit }` (null when
 * the tree is HEAD's: nothing to commit), or null when the case is not plain (secrets left out, a
 * hook git would run, HEAD moved since the snapshot, a lock held, a packed branch…): git commits.
 */
export async function commitSnapshot(repo: RepoInfo, snap: GitState, message: string, when: Date): Promise<{ commit: string | null } | null> {
  if (snap.excluded.length > 0 || !snap.head || !snap.branch || !snap.snapshotTree) return null;
  if (process.env.GIT_AUTHOR_DATE || process.env.GIT_COMMITTER_DATE || process.env.GIT_INDEX_FILE || !(await plainRepository(repo))) return null;
  const now = await readHead(repo);
  if (now.head !== snap.head || now.branch !== snap.branch) return null;
  if ((await commitTree(repo, snap.head)) === snap.snapshotTree) return { commit: null };
  const index = await readPrivateIndex(repo);
  if (!index || indexRootTree(index, repo.objectFormat) !== snap.snapshotTree) return null;

  const indexFile = path.join(repo.gitDir, 'index');
  let indexLock = lockFile(indexFile);
  if (indexLock === null) return null;
  try {
    const text = cleanMessage(message);
    const stamp = `${IDENT} ${Math.floor(when.getTime() / 1000)} ${tzOffset(when)}`;
    const commit = await writeCommit(repo, `tree ${snap.snapshotTree}\nparent ${snap.head}\nauthor ${stamp}\ncommitter ${stamp}\n\n${text}`);
    const entry = `${snap.head} ${commit} ${stamp}\tcommit: ${text.split('\n')[0]}\n`;
    // Moved meanwhile, packed or locked: git commits (the commit written here stays unreachable).
    if ((await advanceBranch(repo, snap.branch, snap.head, commit, entry, path.join(repo.gitDir, 'logs', 'HEAD'))) !== true) return null;
    writeSync(indexLock, index);
    closeSync(indexLock);
    indexLock = null;
    renameSync(`${indexFile}.lock`, indexFile);
    return { commit };
  } finally {
    if (indexLock !== null) {
      closeSync(indexLock);
      unlinkSync(`${indexFile}.lock`);
    }
  }
}
