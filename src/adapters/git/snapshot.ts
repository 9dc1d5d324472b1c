import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitState } from '../../schema/checkpoint.ts';
import { git, gitText } from './git.ts';
import type { RepoInfo } from './repo.ts';
import { DEFAULT_SECRET_PATTERNS, secretPathspecs } from './secrets.ts';

export { DEFAULT_SECRET_PATTERNS } from './secrets.ts';

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * HEAD from the files git keeps it in (this worktree's HEAD, the branch's loose ref): no git process
 * per checkpoint. Anything else — a packed or unborn branch, a reftable repository — returns null.
 */
async function readHeadFiles(repo: RepoInfo): Promise<{ head: string; branch: string | null } | null> {
  try {
    const text = (await readFile(path.join(repo.gitDir, 'HEAD'), 'utf8')).trim();
    if (OBJECT_ID.test(text)) return { head: text, branch: null }; // detached
    const ref = /^ref: (refs\/heads\/\S+)$/.exec(text)?.[1];
    if (!ref || ref.includes('..')) return null;
    const sha = (await readFile(path.join(repo.commonDir, ref), 'utf8')).trim();
    return OBJECT_ID.test(sha) ? { head: sha, branch: ref.slice('refs/heads/'.length) } : null;
  } catch {
    return null;
  }
}

export async function readHead(repo: RepoInfo): Promise<{ head: string | null; branch: string | null }> {
  const fromFiles = await readHeadFiles(repo);
  if (fromFiles) return fromFiles;
  const res = await git(repo.top, ['rev-parse', '-q', 'HEAD', '--symbolic-full-name', 'HEAD'], { allowFail: true });
  const lines = res.stdout.toString('utf8').trim().split('\n').filter(Boolean);
  // Detached: the second line is "HEAD". No commits yet: rev-parse fails and symbolic-ref names the branch.
  const head = lines.find((l) => /^[0-9a-f]{40,64}$/.test(l)) ?? null;
  const ref = lines.find((l) => l.startsWith('refs/heads/'));
  if (head) return { head, branch: ref ? ref.slice('refs/heads/'.length) : null };
  const sym = (await git(repo.top, ['symbolic-ref', '-q', 'HEAD'], { allowFail: true })).stdout.toString('utf8').trim();
  return { head: null, branch: sym.startsWith('refs/heads/') ? sym.slice('refs/heads/'.length) : null };
}

/**
 * A private index kept between snapshots (in orch's own directory of the git dir, never the
 * user's index): it keeps git's stat cache, cache tree and untracked cache warm, so a snapshot
 * hashes and walks only what changed since the last one. One process at a time uses it; a
 * concurrent snapshot works on a throw-away copy instead.
 */
async function acquirePrivateIndex(repo: RepoInfo): Promise<{ index: string; release: () => Promise<void> } | null> {
  const dir = path.join(repo.gitDir, 'orch');
  const lock = path.join(dir, 'snapshot.lock');
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const st = await stat(lock).catch(() => null);
    if (!st || Date.now() - st.mtimeMs < 60_000) return null;
    await rm(lock, { force: true }); // left by a killed process
    return acquirePrivateIndex(repo);
  }
  const index = path.join(dir, 'snapshot-index');
  // We hold orch's lock, so a git lock on the private index can only be left by a killed process.
  await rm(`${index}.lock`, { force: true });
  try {
    await stat(index);
  } catch {
    await copyFile(path.join(repo.gitDir, 'index'), index).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    });
  }
  return { index, release: () => rm(lock, { force: true }) };
}

async function throwAwayIndex(repo: RepoInfo): Promise<{ index: string; release: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orch-snap-'));
  const index = path.join(dir, 'index');
  await copyFile(path.join(repo.gitDir, 'index'), index).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // no index yet: start from an empty one
  });
  return { index, release: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Snapshot the working files (tracked + untracked, not ignored, secrets left out) into a tree.
 * The user's own index is never written.
 */
export async function takeSnapshot(repo: RepoInfo, secretPatterns: readonly string[] = DEFAULT_SECRET_PATTERNS): Promise<GitState> {
  const held = (await acquirePrivateIndex(repo)) ?? (await throwAwayIndex(repo));
  try {
    const env = { GIT_INDEX_FILE: held.index };
    const specs = secretPathspecs(secretPatterns);
    const excludes = specs.map((p) => p.replace(':(glob)', ':(glob,exclude)'));
    const [{ head, branch }, secretList] = await Promise.all([
      readHead(repo),
      gitText(repo.top, ['ls-files', '-z', '-c', '-o', '--exclude-standard', '--', ...specs], { env }),
      git(repo.top, ['-c', 'core.untrackedCache=true', 'add', '-A', '--', '.', ...excludes], { env }),
    ]);
    const excluded = [...new Set(secretList.split('\0').filter(Boolean))].sort();
    // Secrets tracked in the index orch started from are dropped too (untracked ones were never added).
    if (excluded.length > 0) await git(repo.top, ['update-index', '--force-remove', '-z', '--stdin'], { env, input: excluded.join('\0') + '\0' });
    const [treeOut, changedOut] = await Promise.all([
      gitText(repo.top, ['write-tree'], { env }),
      head ? gitText(repo.top, ['diff-index', '--cached', '--name-only', '-z', '--no-renames', head], { env }) : gitText(repo.top, ['ls-files', '-z', '-c'], { env }),
    ]);
    const changed = changedOut.split('\0').filter(Boolean).sort();
    return { head, branch, snapshotTree: treeOut.trim(), excluded, changed };
  } finally {
    await held.release();
  }
}
