import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitState } from '../../schema/checkpoint.ts';
import { git, gitText } from './git.ts';
import type { RepoInfo } from './repo.ts';
import { DEFAULT_SECRET_PATTERNS, secretMatcher, secretPathspecs } from './secrets.ts';

export { DEFAULT_SECRET_PATTERNS } from './secrets.ts';

export async function readHead(repo: RepoInfo): Promise<{ head: string | null; branch: string | null }> {
  const res = await git(repo.top, ['rev-parse', '-q', 'HEAD', '--symbolic-full-name', 'HEAD'], { allowFail: true });
  const lines = res.stdout.toString('utf8').trim().split('\n').filter(Boolean);
  // Detached: the second line is "HEAD". No commits yet: rev-parse fails and symbolic-ref names the branch.
  const head = lines.find((l) => /^[0-9a-f]{40,64}$/.test(l)) ?? null;
  const ref = lines.find((l) => l.startsWith('refs/heads/'));
  if (head) return { head, branch: ref ? ref.slice('refs/heads/'.length) : null };
  const sym = (await git(repo.top, ['symbolic-ref', '-q', 'HEAD'], { allowFail: true })).stdout.toString('utf8').trim();
  return { head: null, branch: sym.startsWith('refs/heads/') ? sym.slice('refs/heads/'.length) : null };
}

interface WorkStatus {
  /** Paths whose working-tree state must go into the snapshot (modified, deleted, untracked). */
  toUpdate: string[];
  /** Paths that differ from HEAD (staged, unstaged or untracked). */
  changed: string[];
}

/** One walk of the working tree: `status --porcelain -z` against the private index. */
function parseStatus(out: string): WorkStatus {
  const toUpdate: string[] = [];
  const changed: string[] = [];
  for (const rec of out.split('\0')) {
    if (rec.length < 4) continue;
    const x = rec[0];
    const y = rec[1];
    const file = rec.slice(3);
    changed.push(file);
    if (x === '?' || y !== ' ') toUpdate.push(file);
  }
  return { toUpdate, changed };
}

/**
 * Snapshot the working files (tracked + untracked, not ignored, secrets left out) into a tree,
 * through a copy of the user's index: the copy keeps git's stat cache and cache tree, so only
 * changed files are hashed, and the user's own index is never written.
 */
export async function takeSnapshot(repo: RepoInfo, secretPatterns: readonly string[] = DEFAULT_SECRET_PATTERNS): Promise<GitState> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orch-snap-'));
  const index = path.join(dir, 'index');
  try {
    await copyFile(path.join(repo.gitDir, 'index'), index).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e; // no index yet: start from an empty one
    });
    const env = { GIT_INDEX_FILE: index };
    const isSecret = secretMatcher(secretPatterns);
    const [{ head, branch }, statusOut, trackedSecrets] = await Promise.all([
      readHead(repo),
      gitText(repo.top, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=all'], { env }),
      gitText(repo.top, ['ls-files', '-z', '-c', '--', ...secretPathspecs(secretPatterns)], { env }),
    ]);
    const st = parseStatus(statusOut);
    const secretsInIndex = trackedSecrets.split('\0').filter(Boolean);
    const untrackedSecrets = st.toUpdate.filter(isSecret);
    const excluded = [...new Set([...secretsInIndex, ...untrackedSecrets])].sort();
    const update = st.toUpdate.filter((f) => !isSecret(f));
    if (excluded.length > 0) await git(repo.top, ['update-index', '--force-remove', '-z', '--stdin'], { env, input: excluded.join('\0') + '\0' });
    if (update.length > 0) await git(repo.top, ['update-index', '--add', '--remove', '-z', '--stdin'], { env, input: update.join('\0') + '\0' });
    const tree = (await gitText(repo.top, ['write-tree'], { env })).trim();
    const changed = [...new Set(st.changed.filter((f) => !isSecret(f)))].sort();
    return { head, branch, snapshotTree: tree, excluded, changed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
