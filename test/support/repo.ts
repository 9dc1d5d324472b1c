import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/** Git with a fixed identity and no background maintenance (it races temp-dir cleanup). */
export function g(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_EDITOR: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function tempDir(prefix = 'orch-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A temp repository with the given files committed (none: a repository with no commits). */
export function gitRepo(files: Record<string, string> = { 'README.md': '# test\n' }, dir = tempDir()): string {
  // Convoy worktrees live beside the repository: remove them with it.
  onTestFinished(() => rmSync(`${dir}.orch-worktrees`, { recursive: true, force: true }));
  g(dir, 'init', '-q', '-b', 'main');
  g(dir, 'config', 'gc.auto', '0');
  g(dir, 'config', 'maintenance.auto', 'false');
  write(dir, files);
  if (Object.keys(files).length > 0) {
    g(dir, 'add', '-A');
    g(dir, 'commit', '-q', '-m', 'initial');
  }
  return dir;
}

export function write(dir: string, files: Record<string, string>): void {
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), body);
  }
}

/** `branch` and main each change `file` differently from the base (main checked out after): merging or rebasing conflicts. */
export function conflictingBranches(dir: string, file: string, branch: string): void {
  g(dir, 'checkout', '-q', '-b', branch);
  write(dir, { [file]: `${branch}\n` });
  g(dir, 'commit', '-qam', branch);
  g(dir, 'checkout', '-q', 'main');
  write(dir, { [file]: 'main\n' });
  g(dir, 'commit', '-qam', 'main');
}

/** Staged, unstaged and untracked changes, plus an ignored file and a secret. */
export function makeMessy(dir: string): void {
  write(dir, { '.gitignore': 'ignored.log\n' });
  write(dir, { 'staged.txt': 'staged\n' });
  g(dir, 'add', 'staged.txt', '.gitignore');
  write(dir, { 'README.md': '# changed but not staged\n', 'untracked/new.ts': 'export const x = 1;\n', 'ignored.log': 'noise\n', '.env': 'API_KEY=sk-secret\n' });
}

function hashTree(dir: string, root = dir, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) hashTree(p, root, out);
    else out.set(path.relative(root, p), createHash('sha1').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

/** Everything of the user's that orch must leave alone: index bytes, HEAD, branches, working files. */
export function userState(dir: string): { index: string; head: string; branches: string; files: string; status: string } {
  const gitDir = g(dir, 'rev-parse', '--absolute-git-dir').trim();
  let index = 'none';
  try {
    index = createHash('sha1').update(readFileSync(path.join(gitDir, 'index'))).digest('hex');
  } catch {
    /* no index yet */
  }
  let head: string;
  try {
    head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8') + g(dir, 'rev-parse', '-q', '--verify', 'HEAD');
  } catch {
    head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8');
  }
  return {
    index,
    head,
    branches: g(dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags', 'refs/remotes'),
    files: JSON.stringify([...hashTree(dir)].sort()),
    status: g(dir, '-c', 'core.quotepath=off', 'status', '--porcelain=v1', '--untracked-files=all'),
  };
}
