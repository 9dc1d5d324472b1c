import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanMessage, commitSnapshot } from '../../src/adapters/git/commit-snapshot.ts';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { takeSnapshot } from '../../src/adapters/git/snapshot.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

/** A repository and a linked worktree on a new branch, as a convoy worker has. */
async function worktree(files: Record<string, string> = { 'a.txt': 'a\n', 'src/b.ts': 'b\n', 'gone.txt': 'g\n' }) {
  const main = gitRepo(files);
  const dir = path.join(tempDir(), 'T1');
  g(main, 'worktree', 'add', '-q', '-b', 'orch/cv/T1', dir);
  return { main, dir, repo: await openRepo(dir), head: g(dir, 'rev-parse', 'HEAD').trim() };
}

const put = (dir: string, files: Record<string, string>): void => {
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), body);
  }
};

/** The tree `git add -A` would stage now, through a scratch index (the worktree's own is not touched). */
function addAllTree(dir: string): string {
  const env = { ...process.env, GIT_INDEX_FILE: path.join(tempDir(), 'index') };
  const run = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  run('read-tree', 'HEAD');
  run('add', '-A');
  return run('write-tree').trim();
}

describe('commitSnapshot (the worker commits its work tree from the last snapshot, as git add -A + commit would)', () => {
  it('commits the tree git add -A would, on the branch, with both reflogs; the worktree is clean after and git carries on from it', async () => {
    const { main, dir, repo, head } = await worktree();
    put(dir, { 'a.txt': 'a2\n', 'new/deep/c.ts': 'c\n', 'src/b.ts': 'b2\n' });
    unlinkSync(path.join(dir, 'gone.txt'));
    const snap = await takeSnapshot(repo);
    const expected = addAllTree(dir);
    const when = new Date('2026-12-02T10:00:00Z');
    const commit = (await commitSnapshot(repo, snap, 'T1: a title  \n\n\n(orch convoy cv)\n', when))?.commit;
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(g(main, 'rev-parse', 'orch/cv/T1').trim()).toBe(commit);
    expect(g(main, 'rev-parse', `${commit as string}^{tree}`).trim()).toBe(expected);
    expect(g(main, 'log', '-1', '--format=%P|%an <%ae> %at|%cn <%ce>|%B', commit as string)).toBe(`${head}|orch <orch@localhost> ${when.getTime() / 1000}|orch <orch@localhost>|T1: a title\n\n(orch convoy cv)\n\n`);
    expect(g(dir, 'status', '--porcelain')).toBe('');
    expect(g(dir, 'diff', '--cached', '--name-only')).toBe('');
    expect(g(main, 'reflog', '-1', '--format=%gs', 'orch/cv/T1').trim()).toBe('commit: T1: a title');
    expect(g(dir, 'reflog', '-1', '--format=%H %gs', 'HEAD').trim()).toBe(`${commit as string} commit: T1: a title`);
    expect(readdirSync(path.join(main, '.git', 'refs', 'heads', 'orch', 'cv')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    // git goes on from here: a further edit and commit by git, and fsck finds the repository whole.
    put(dir, { 'a.txt': 'a3\n' });
    g(dir, 'commit', '-qam', 'next');
    expect(g(main, 'rev-parse', 'orch/cv/T1^').trim()).toBe(commit);
    g(main, 'fsck', '--no-progress', '--strict');
  });

  it("answers no commit when the work tree is HEAD's, and null — changing nothing — when git must commit", async () => {
    const same = await worktree();
    expect(await commitSnapshot(same.repo, await takeSnapshot(same.repo), 'm', new Date())).toEqual({ commit: null });

    // An untracked secret was left out of the snapshot: git add with its excludes decides.
    const secret = await worktree();
    put(secret.dir, { 'a.txt': 'x\n', '.env': 'TOKEN=1\n' });
    expect(await commitSnapshot(secret.repo, await takeSnapshot(secret.repo), 'm', new Date())).toBeNull();

    // HEAD moved after the snapshot (the agent committed late).
    const moved = await worktree();
    put(moved.dir, { 'a.txt': 'x\n' });
    const snap = await takeSnapshot(moved.repo);
    g(moved.dir, 'commit', '-qam', 'late');
    expect(await commitSnapshot(moved.repo, snap, 'm', new Date())).toBeNull();

    // A hook git commit would run.
    const hooked = await worktree();
    writeFileSync(path.join(hooked.main, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(hooked.main, '.git', 'hooks', 'pre-commit'), 0o755);
    put(hooked.dir, { 'a.txt': 'x\n' });
    expect(await commitSnapshot(hooked.repo, await takeSnapshot(hooked.repo), 'm', new Date())).toBeNull();

    // The worktree's index is locked by another git.
    const locked = await worktree();
    put(locked.dir, { 'a.txt': 'x\n' });
    const s2 = await takeSnapshot(locked.repo);
    writeFileSync(path.join(locked.repo.gitDir, 'index.lock'), '');
    expect(await commitSnapshot(locked.repo, s2, 'm', new Date())).toBeNull();
    unlinkSync(path.join(locked.repo.gitDir, 'index.lock'));

    // The branch is packed (no loose ref file to lock): git's update-ref would handle it.
    const packed = await worktree();
    put(packed.dir, { 'a.txt': 'x\n' });
    const s3 = await takeSnapshot(packed.repo);
    g(packed.main, 'pack-refs', '--all');
    expect(existsSync(path.join(packed.main, '.git', 'refs', 'heads', 'orch', 'cv', 'T1'))).toBe(false);
    expect(await commitSnapshot(packed.repo, s3, 'm', new Date())).toBeNull();
    expect(g(packed.main, 'rev-parse', 'orch/cv/T1').trim()).toBe(packed.head);

    for (const w of [secret, moved, hooked, locked, packed]) {
      expect(g(w.main, 'reflog', '--format=%gs', 'orch/cv/T1').split('\n').filter((l) => l.startsWith('commit: m'))).toEqual([]);
      expect(existsSync(path.join(w.main, '.git', 'refs', 'heads', 'orch', 'cv', 'T1.lock'))).toBe(false);
    }
    expect(g(moved.main, 'log', '-1', '--format=%s', 'orch/cv/T1').trim()).toBe('late');
    expect(g(locked.main, 'rev-parse', 'orch/cv/T1').trim()).toBe(locked.head);
  });

  it("cleans the message as git commit -m does", () => {
    expect(cleanMessage('  \nT1: title  \n\n\n\nbody\t\n\n')).toBe('T1: title\n\nbody\n');
    expect(cleanMessage('one')).toBe('one\n');
  });
});
