import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { DEFAULT_SECRET_PATTERNS, secretPathspecs } from '../../src/adapters/git/secrets.ts';
import { parseStatus, takeSnapshot } from '../../src/adapters/git/snapshot.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

const git = (dir: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, ...(input !== undefined ? { input } : {}) });

/** What a snapshot must equal: `git add -A` without secrets into a copy of the user's index, then write-tree. */
function reference(dir: string): { tree: string; changed: string[] } {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'orch-ref-index-'));
  try {
    const index = path.join(tmp, 'index');
    copyFileSync(path.join(dir, '.git', 'index'), index);
    const env = { GIT_INDEX_FILE: index };
    const specs = secretPathspecs(DEFAULT_SECRET_PATTERNS);
    const tracked = git(dir, ['ls-files', '-z', '-c', '--', ...specs], env).split('\0').filter(Boolean);
    if (tracked.length) git(dir, ['update-index', '--force-remove', '-z', '--stdin'], env, tracked.join('\0') + '\0');
    git(dir, ['add', '-A', '--', '.', ...specs.map((p) => p.replace(':(glob)', ':(glob,exclude)'))], env);
    const changed = git(dir, ['diff-index', '--cached', '--name-only', '-z', '--no-renames', 'HEAD'], env)
      .split('\0')
      .filter((f) => f && !tracked.includes(f));
    return { tree: git(dir, ['write-tree'], env).trim(), changed: changed.sort() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const write = (dir: string, files: Record<string, string>): void => {
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), body);
  }
};

describe('takeSnapshot', () => {
  it('equals git add -A (secrets left out) through a series of edits, with the private index kept between snapshots', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n', 'src/b.ts': 'b\n', 'src/deep/c.ts': 'c\n', '.gitignore': 'dist/\n', 'keep.txt': 'k\n' });
    // A secret committed before orch came: it stays out of every snapshot.
    write(dir, { 'config/.env': 'TOKEN=1\n' });
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'secret committed']);
    const repo = await openRepo(dir);
    const steps: [string, () => void][] = [
      ['nothing changed', () => undefined],
      ['modified, new, ignored, an untracked secret', () => write(dir, { 'a.txt': 'a2\n', 'src/new file.ts': 'n\n', 'dist/out.js': 'x\n', 'id_rsa': 'KEY\n', 'src/ünï.ts': 'u\n' })],
      ['a deletion, an executable bit, a symlink', () => {
        unlinkSync(path.join(dir, 'src/b.ts'));
        chmodSync(path.join(dir, 'keep.txt'), 0o755);
        symlinkSync('a.txt', path.join(dir, 'link'));
      }],
      ['reverted to HEAD: a modified file and a deleted one back', () => write(dir, { 'a.txt': 'a\n', 'src/b.ts': 'b\n' })],
      ['the same content written again in the same second', () => write(dir, { 'src/deep/c.ts': 'c\n', 'src/new file.ts': 'n\n' })],
      ['a file becomes a directory', () => {
        unlinkSync(path.join(dir, 'keep.txt'));
        write(dir, { 'keep.txt/inside.txt': 'i\n' });
      }],
      ['the user commits some of it', () => {
        git(dir, ['add', 'src/new file.ts']);
        git(dir, ['commit', '-qm', 'user commit']);
        write(dir, { 'src/deep/c.ts': 'c3\n' });
      }],
    ];
    for (const [what, change] of steps) {
      change();
      const snap = await takeSnapshot(repo);
      const want = reference(dir);
      expect(snap.snapshotTree, what).toBe(want.tree);
      expect(snap.changed, what).toEqual(want.changed);
      expect(snap.excluded, what).toEqual(expect.arrayContaining(['config/.env']));
    }
    const last = await takeSnapshot(repo);
    expect(last.excluded).toEqual(['config/.env', 'id_rsa']);
    // The user's own index was never touched by any of it.
    expect(git(dir, ['diff', '--cached', '--name-only'])).toBe('');
  });

  it('a nested repository and a submodule that moved are recorded as git add -A records them (gitlinks)', async () => {
    const sub = gitRepo({ 's.txt': 's\n' });
    const dir = gitRepo({ 'a.txt': 'a\n' });
    g(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'mod');
    g(dir, 'commit', '-qm', 'submodule');
    const repo = await openRepo(dir);
    await takeSnapshot(repo);
    write(path.join(dir, 'mod'), { 's.txt': 's2\n' });
    g(path.join(dir, 'mod'), 'commit', '-qam', 'moved');
    const nested = path.join(dir, 'nested');
    mkdirSync(nested);
    g(nested, 'init', '-q');
    write(nested, { 'n.txt': 'n\n' });
    g(nested, 'add', '-A');
    g(nested, 'commit', '-qm', 'n');
    const snap = await takeSnapshot(repo);
    const want = reference(dir);
    expect(snap.snapshotTree).toBe(want.tree);
    expect(snap.changed).toEqual(want.changed);
    expect(snap.changed).toEqual(['mod', 'nested']);
  });

  it('a secret pattern added later takes files it names out of the kept index', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n', 'creds.txt': 'pw\n' });
    const repo = await openRepo(dir);
    expect((await takeSnapshot(repo)).excluded).toEqual([]);
    const snap = await takeSnapshot(repo, [...DEFAULT_SECRET_PATTERNS, 'creds.txt']);
    expect(snap.excluded).toEqual(['creds.txt']);
    expect(git(dir, ['ls-tree', '--name-only', snap.snapshotTree!]).trim()).toBe('a.txt');
    expect((await takeSnapshot(repo, [...DEFAULT_SECRET_PATTERNS, 'creds.txt'])).excluded).toEqual(['creds.txt']);
  });

  it("a work tree equal to HEAD is snapshotted as HEAD's tree (read from the commit), before and after an edit is undone", async () => {
    const dir = gitRepo({ 'a.txt': 'a\n', 'src/b.txt': 'b\n' });
    const repo = await openRepo(dir);
    const headTree = git(dir, ['rev-parse', 'HEAD^{tree}']).trim();
    const clean = await takeSnapshot(repo);
    expect(clean).toMatchObject({ snapshotTree: headTree, changed: [], excluded: [] });
    write(dir, { 'src/b.txt': 'changed\n' });
    const edited = await takeSnapshot(repo);
    expect(edited.snapshotTree).not.toBe(headTree);
    expect(edited.changed).toEqual(['src/b.txt']);
    write(dir, { 'src/b.txt': 'b\n' });
    expect(await takeSnapshot(repo)).toMatchObject({ snapshotTree: headTree, changed: [] });
    expect(await takeSnapshot(repo)).toMatchObject({ snapshotTree: headTree, changed: [] });
  });

  it("a snapshot through a throw-away index removes the ones left by dead processes, never a live one's", async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const live = spawn('sleep', ['30']);
    onTestFinished(() => void live.kill());
    const left = mkdtempSync(path.join(os.tmpdir(), `orch-snap-${dead}-`));
    writeFileSync(path.join(left, 'index'), 'x');
    const kept = mkdtempSync(path.join(os.tmpdir(), `orch-snap-${live.pid!}-`));
    onTestFinished(() => rmSync(kept, { recursive: true, force: true }));
    // Another snapshot holds the private index: this one works on a throw-away copy.
    mkdirSync(path.join(dir, '.git', 'orch'), { recursive: true });
    writeFileSync(path.join(dir, '.git', 'orch', 'snapshot.lock'), '1');
    write(dir, { 'a.txt': 'a2\n' });
    const snap = await takeSnapshot(await openRepo(dir));
    expect(git(dir, ['ls-tree', '-r', '--name-only', snap.snapshotTree!]).trim()).toBe('a.txt');
    expect(existsSync(left)).toBe(false);
    expect(existsSync(kept)).toBe(true);
    expect(readdirSync(os.tmpdir()).filter((n) => n.startsWith(`orch-snap-${process.pid}-`))).toEqual([]);
  });

  it('works in a repository with no commits yet', async () => {
    const dir = tempDir();
    git(dir, ['init', '-q', '-b', 'main']);
    write(dir, { 'a.txt': 'a\n', '.env.local': 'S=1\n' });
    const snap = await takeSnapshot(await openRepo(dir));
    expect(snap.head).toBeNull();
    expect(snap.changed).toEqual(['a.txt']);
    expect(snap.excluded).toEqual(['.env.local']);
    expect(git(dir, ['ls-tree', '--name-only', snap.snapshotTree!]).trim()).toBe('a.txt');
  });
});

describe('parseStatus', () => {
  it('reads ordinary, renamed, unmerged and untracked records, paths with spaces', () => {
    const z = [
      '1 .M N... 100644 100644 100644 aaa aaa a file.txt',
      '1 M. N... 100644 100644 100644 aaa bbb staged.txt',
      '1 MM N... 100644 100644 100644 aaa bbb both.txt',
      '2 R. N... 100644 100644 100644 aaa aaa R100 new.txt',
      'old.txt',
      'u UU N... 100644 100644 100644 100644 h1 h2 h3 conflict.txt',
      '1 D. N... 100644 000000 000000 aaa 000 back.txt',
      '? back.txt',
      '? nested/',
      '',
    ].join('\0');
    const s = parseStatus(z, true);
    expect(s.toUpdate).toEqual(['a file.txt', 'both.txt', 'conflict.txt', 'back.txt', 'nested']);
    expect(s.maybeReverted.sort()).toEqual(['back.txt', 'both.txt']);
    expect(s.changed.sort()).toEqual(['a file.txt', 'conflict.txt', 'nested', 'new.txt', 'staged.txt']);
  });
});
