import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitState } from '../../schema/checkpoint.ts';
import { pidAlive } from '../run-state.ts';
import { git, gitText } from './git.ts';
import { readIndexPaths } from './index-file.ts';
import { commitTree } from './objects.ts';
import type { RepoInfo } from './repo.ts';
import { DEFAULT_SECRET_PATTERNS, secretMatcher, secretPathspecs } from './secrets.ts';

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

interface HeldIndex {
  index: string;
  /** Just copied from the user's index, or kept under other secret patterns: it may hold secrets. */
  fresh: boolean;
  /** Secrets are out of it now: later snapshots need not look for them. */
  markClean: () => Promise<void>;
  release: () => Promise<void>;
}

/**
 * A private index kept between snapshots (in orch's own directory of the git dir, never the
 * user's index): it keeps git's stat cache, cache tree and untracked cache warm, so a snapshot
 * hashes and walks only what changed since the last one. One process at a time uses it; a
 * concurrent snapshot works on a throw-away copy instead.
 */
async function acquirePrivateIndex(repo: RepoInfo, secretPatterns: readonly string[]): Promise<HeldIndex | null> {
  const held = await lockPrivateIndex(repo);
  if (!held) return null;
  const { index, release } = held;
  // We hold orch's lock, so a git lock on the private index can only be left by a killed process.
  await rm(`${index}.lock`, { force: true });
  let fresh = false;
  try {
    await stat(index);
  } catch {
    fresh = true;
    await copyFile(path.join(repo.gitDir, 'index'), index).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    });
  }
  // Secret patterns changed since the index was kept: files they now name may be in it.
  const patternsFile = `${index}.secrets`;
  const patterns = JSON.stringify(secretPatterns);
  if (!fresh && (await readFile(patternsFile, 'utf8').catch(() => '')) !== patterns) fresh = true;
  return { index, fresh, markClean: () => (fresh ? writeFile(patternsFile, patterns) : Promise.resolve()), release };
}

/** orch's lock on the private index (a lock a killed process left is taken over after a minute); null while another holds it. */
async function lockPrivateIndex(repo: RepoInfo): Promise<{ index: string; release: () => Promise<void> } | null> {
  const dir = path.join(repo.gitDir, 'orch');
  const lock = path.join(dir, 'snapshot.lock');
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const st = await stat(lock).catch(() => null);
    if (!st || Date.now() - st.mtimeMs < 60_000) return null;
    await rm(lock, { force: true }); // left by a killed process
    return lockPrivateIndex(repo);
  }
  return { index: path.join(dir, 'snapshot-index'), release: () => rm(lock, { force: true }) };
}

/** The private index's bytes, read under orch's snapshot lock; null when another snapshot holds it or there is none. */
export async function readPrivateIndex(repo: RepoInfo): Promise<Buffer | null> {
  const held = await lockPrivateIndex(repo);
  if (!held) return null;
  try {
    return await readFile(held.index).catch(() => null);
  } finally {
    await held.release();
  }
}

const THROW_AWAY = 'orch-snap-';

/** Throw-away index directories of processes that died holding them (a kill -9 mid-snapshot). */
async function sweepThrowAways(): Promise<void> {
  const names = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = name.startsWith(THROW_AWAY) ? Number(name.slice(THROW_AWAY.length).split('-')[0]) : NaN;
    if (pid > 0 && pid !== process.pid && !pidAlive(pid)) await rm(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

async function throwAwayIndex(repo: RepoInfo): Promise<HeldIndex> {
  await sweepThrowAways();
  // Named after this process, so a later snapshot can tell it was left by a dead one.
  const dir = await mkdtemp(path.join(os.tmpdir(), `${THROW_AWAY}${process.pid}-`));
  const index = path.join(dir, 'index');
  await copyFile(path.join(repo.gitDir, 'index'), index).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // no index yet: start from an empty one
  });
  return { index, fresh: true, markClean: () => Promise.resolve(), release: () => rm(dir, { recursive: true, force: true }) };
}

/** What `git status --porcelain=v2 -z` says about the private index, HEAD and the work tree. */
interface WorkStatus {
  /** Work-tree files that differ from the index or are not in it: to add or remove. */
  toUpdate: string[];
  /** Paths that differ from HEAD however the update goes. */
  changed: string[];
  /** Paths whose work-tree content may equal HEAD again (index and work tree both differ): checked after the update. */
  maybeReverted: string[];
}

/** Parse porcelain v2 `-z` records (ordinary `1`, renamed `2`, unmerged `u`, untracked `?`). */
export function parseStatus(out: string, hasHead: boolean): WorkStatus {
  const recs = out.split('\0');
  const tracked: { file: string; xy: string }[] = [];
  const untracked: string[] = [];
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i]!;
    if (rec.startsWith('1 ')) tracked.push({ file: rec.split(' ').slice(8).join(' '), xy: rec.slice(2, 4) });
    else if (rec.startsWith('2 ')) {
      tracked.push({ file: rec.split(' ').slice(9).join(' '), xy: rec.slice(2, 4) });
      i++; // the original path follows as its own record
    } else if (rec.startsWith('u ')) tracked.push({ file: rec.split(' ').slice(10).join(' '), xy: 'UU' });
    else if (rec.startsWith('? ')) untracked.push(rec.slice(2).replace(/\/$/, '')); // a nested repository is listed as "dir/"
  }
  // Gone from the index (an earlier snapshot) but back in the work tree: its content may be HEAD's again.
  const deleted = new Set(tracked.filter((t) => t.xy[0] === 'D').map((t) => t.file));
  const back = untracked.filter((f) => deleted.has(f));
  const toUpdate = [...tracked.filter((t) => t.xy[1] !== '.').map((t) => t.file), ...untracked];
  const maybeReverted = hasHead ? [...tracked.filter((t) => t.xy[0] !== '.' && t.xy[1] !== '.' && t.xy !== 'UU').map((t) => t.file), ...back] : [];
  const unsure = new Set(maybeReverted);
  const changed = [...tracked.map((t) => t.file), ...untracked].filter((f) => !unsure.has(f));
  return { toUpdate, changed: [...new Set(changed)], maybeReverted };
}

const literal = (f: string): string => `:(literal)${f}`;

/** The index's paths that name secrets (`git ls-files -c -- <secret pathspecs>`). */
async function trackedSecretPaths(repo: RepoInfo, index: string, patterns: readonly string[], isSecret: (f: string) => boolean, env: Record<string, string>): Promise<string[]> {
  const paths = readIndexPaths(index, repo.objectFormat);
  if (paths) return paths.filter(isSecret);
  return (await gitText(repo.top, ['ls-files', '-z', '-c', '--', ...secretPathspecs(patterns)], { env })).split('\0').filter(Boolean);
}

/**
 * Snapshot the working files (tracked + untracked, not ignored, secrets left out) into a tree.
 * The user's own index is never written. One `git status` on orch's private index says what to
 * add (it refreshes the index's stat cache first, as `git commit -a` does, so a file rewritten
 * with the same content is not hashed and its directories' trees are not rebuilt), one
 * `update-index` adds exactly that, one `write-tree` writes the tree.
 */
export async function takeSnapshot(repo: RepoInfo, secretPatterns: readonly string[] = DEFAULT_SECRET_PATTERNS): Promise<GitState> {
  const held = (await acquirePrivateIndex(repo, secretPatterns)) ?? (await throwAwayIndex(repo));
  try {
    const env = { GIT_INDEX_FILE: held.index };
    const isSecret = secretMatcher(secretPatterns);
    const [{ head, branch }, statusOut, trackedSecrets] = await Promise.all([
      readHead(repo),
      // Optional locks on: status may write the refreshed stat cache and its untracked cache back to orch's index.
      gitText(repo.top, ['-c', 'core.untrackedCache=true', 'status', '--porcelain=v2', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=dirty'], {
        env: { ...env, GIT_OPTIONAL_LOCKS: '1' },
      }),
      // Only a copy of the user's index can hold secrets: snapshots never add one. Its paths are read
      // from the file; git lists them when the file does not answer alone.
      held.fresh ? trackedSecretPaths(repo, held.index, secretPatterns, isSecret, env) : Promise.resolve([]),
    ]);
    const status = parseStatus(statusOut, head !== null);
    // Secrets tracked in the index orch started from are dropped; untracked ones are never added.
    const excluded = [...new Set([...trackedSecrets, ...status.toUpdate.filter(isSecret)])].sort();
    const toUpdate = status.toUpdate.filter((f) => !isSecret(f));
    if (toUpdate.length > 0) await git(repo.top, ['update-index', '--add', '--remove', '-z', '--stdin'], { env, input: toUpdate.join('\0') + '\0' });
    if (trackedSecrets.length > 0) await git(repo.top, ['update-index', '--force-remove', '-z', '--stdin'], { env, input: trackedSecrets.join('\0') + '\0' });
    await held.markClean();
    const maybe = status.maybeReverted.filter((f) => !isSecret(f));
    // Nothing differs from HEAD (a fresh worktree, a session that changed nothing yet): the tree is
    // HEAD's, read from the commit instead of writing it from the index.
    const clean = head !== null && statusOut === '' && trackedSecrets.length === 0 ? await commitTree(repo, head) : null;
    if (clean) return { head, branch, snapshotTree: clean, excluded, changed: [] };
    // Few paths go on the command line; many would not fit, so then the whole index is compared.
    const pathspec = maybe.length <= 200 ? ['--', ...maybe.map(literal)] : [];
    const [treeOut, diffOut] = await Promise.all([
      gitText(repo.top, ['write-tree'], { env }),
      head && maybe.length > 0 ? gitText(repo.top, ['diff-index', '--cached', '--name-only', '-z', '--no-renames', head, ...pathspec], { env }) : Promise.resolve(''),
    ]);
    const unsure = new Set(maybe);
    const stillChanged = diffOut.split('\0').filter((f) => unsure.has(f));
    const changed = [...new Set([...status.changed.filter((f) => !isSecret(f)), ...stillChanged])].sort();
    return { head, branch, snapshotTree: treeOut.trim(), excluded, changed };
  } finally {
    await held.release();
  }
}
