import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitState } from '../../schema/checkpoint.ts';
import { git, gitText } from './git.ts';
import type { RepoInfo } from './repo.ts';

/** Files that usually hold secrets: left out of every snapshot so `orch sync` never pushes them. */
export const DEFAULT_SECRET_PATTERNS = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.npmrc',
  '.netrc',
  '.pypirc',
] as const;

/** Pathspecs matching a basename pattern at any depth. */
const secretPathspecs = (patterns: readonly string[]): string[] => patterns.map((p) => `:(glob)**/${p}`);

export async function readHead(repo: RepoInfo): Promise<{ head: string | null; branch: string | null }> {
  const res = await git(repo.top, ['rev-parse', '-q', 'HEAD', '--symbolic-full-name', 'HEAD'], { allowFail: true });
  const lines = res.stdout.toString('utf8').trim().split('\n').filter(Boolean);
  // Detached: only the sha is printed. No commits yet: nothing is printed.
  const head = lines.find((l) => /^[0-9a-f]{40,64}$/.test(l)) ?? null;
  const ref = lines.find((l) => l.startsWith('refs/heads/'));
  let branch = ref ? ref.slice('refs/heads/'.length) : null;
  if (!head) {
    const sym = await git(repo.top, ['symbolic-ref', '-q', 'HEAD'], { allowFail: true });
    const name = sym.stdout.toString('utf8').trim();
    branch = name.startsWith('refs/heads/') ? name.slice('refs/heads/'.length) : branch;
  }
  return { head, branch };
}

/**
 * Snapshot the working files (tracked + untracked, not ignored) into a tree, through a copy of the
 * user's index: the copy keeps git's stat cache (so only changed files are hashed) and the user's
 * own index is never written.
 */
export async function takeSnapshot(repo: RepoInfo, secretPatterns: readonly string[] = DEFAULT_SECRET_PATTERNS): Promise<GitState> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orch-snap-'));
  const index = path.join(dir, 'index');
  try {
    await copyFile(path.join(repo.gitDir, 'index'), index).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e; // no index yet: start from an empty one
    });
    const env = { GIT_INDEX_FILE: index };
    const specs = secretPathspecs(secretPatterns);
    const [{ head, branch }, secretList] = await Promise.all([
      readHead(repo),
      gitText(repo.top, ['ls-files', '-z', '-c', '-o', '--exclude-standard', '--', ...specs], { env }),
    ]);
    const excluded = [...new Set(secretList.split('\0').filter(Boolean))].sort();
    if (excluded.length > 0) {
      await git(repo.top, ['update-index', '--force-remove', '-z', '--stdin'], { env, input: excluded.join('\0') + '\0' });
    }
    await git(repo.top, ['add', '-A', '--', '.', ...specs.map((s) => s.replace(':(glob)', ':(glob,exclude)'))], { env });
    const tree = (await gitText(repo.top, ['write-tree'], { env })).trim();
    const base = head ?? (await emptyTree(repo));
    const changedOut = await gitText(repo.top, ['diff-tree', '-r', '-z', '--name-only', '--no-renames', base, tree]);
    const changed = changedOut.split('\0').filter(Boolean);
    return { head, branch, snapshotTree: tree, excluded, changed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function emptyTree(repo: RepoInfo): Promise<string> {
  return (await gitText(repo.top, ['hash-object', '-t', 'tree', '-w', '--stdin'], { input: '' })).trim();
}
