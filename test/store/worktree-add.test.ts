import { chmodSync, existsSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { addWorktreeOnNewBranch } from '../../src/adapters/git/worktree-add.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

const admin = (dir: string): string => realpathSync(path.resolve(dir, readFileSync(path.join(dir, '.git'), 'utf8').replace(/^gitdir: /, '').trim()));
const adminFiles = (dir: string): Record<string, string> => Object.fromEntries(['HEAD', 'commondir', 'gitdir'].map((f) => [f, readFileSync(path.join(admin(dir), f), 'utf8')]));

describe('addWorktreeOnNewBranch (git worktree add -b, made in-process but for the checkout)', () => {
  it('makes the worktree git itself would make: same admin files, listed, clean, usable, removable', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n', 'src/b.ts': 'b\n' });
    const repo = await openRepo(dir);
    const head = g(dir, 'rev-parse', 'HEAD').trim();
    const root = tempDir();
    const ours = path.join(root, 'cv', 'T1');
    expect(await addWorktreeOnNewBranch(repo, ours, 'orch/cv/T1', head)).toBe(true);
    // Made here, not by git: git's worktree add -b would have started the branch's reflog.
    expect(existsSync(path.join(repo.commonDir, 'logs', 'refs', 'heads', 'orch', 'cv', 'T1'))).toBe(false);
    const theirs = path.join(root, 'git', 'T2');
    g(dir, 'worktree', 'add', '-q', '-b', 'orch/cv/T2', theirs, head);
    expect(adminFiles(ours)).toEqual({ ...adminFiles(theirs), HEAD: 'ref: refs/heads/orch/cv/T1\n', gitdir: `${realpathSync(ours)}/.git\n` });
    expect(readdirSync(admin(ours)).sort()).toEqual(readdirSync(admin(theirs)).sort());

    const listed = g(dir, 'worktree', 'list', '--porcelain');
    expect(listed).toContain(`worktree ${realpathSync(ours)}\nHEAD ${head}\nbranch refs/heads/orch/cv/T1\n`);
    expect(listed).not.toContain('locked');
    expect(g(ours, 'status', '--porcelain')).toBe('');
    expect(readFileSync(path.join(ours, 'src/b.ts'), 'utf8')).toBe('b\n');
    g(dir, 'worktree', 'prune');
    expect(g(dir, 'worktree', 'list')).toContain(realpathSync(ours));
    // A commit lands on the branch; git checks out the same branch nowhere else; remove works.
    writeFileSync(path.join(ours, 'c.txt'), 'c\n');
    g(ours, 'add', 'c.txt');
    g(ours, 'commit', '-qm', 'c');
    expect(g(dir, 'log', '--format=%s', '-1', 'orch/cv/T1').trim()).toBe('c');
    expect(() => g(dir, 'worktree', 'add', '-q', path.join(root, 'again'), 'orch/cv/T1')).toThrow(/already (checked out|used by worktree)/);
    g(dir, 'worktree', 'remove', ours);
    expect(existsSync(ours)).toBe(false);
    g(dir, 'fsck', '--no-progress');
  });

  it('numbers the admin directory when another worktree has its name, as git does', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    const head = g(dir, 'rev-parse', 'HEAD').trim();
    const root = tempDir();
    expect(await addWorktreeOnNewBranch(repo, path.join(root, 'one', 'T'), 'orch/one/T', head)).toBe(true);
    expect(await addWorktreeOnNewBranch(repo, path.join(root, 'two', 'T'), 'orch/two/T', head)).toBe(true);
    expect(path.basename(admin(path.join(root, 'two', 'T')))).toBe('T1');
    expect(g(path.join(root, 'two', 'T'), 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('orch/two/T');
  });

  it('leaves it to git, with nothing made, when git would do more (a post-checkout hook, hooksPath) or the branch exists', async () => {
    const head = (dir: string): string => g(dir, 'rev-parse', 'HEAD').trim();
    const untouched = (dir: string, wt: string, branch: string): void => {
      expect(existsSync(wt)).toBe(false);
      expect(g(dir, 'branch', '--list', branch)).toBe('');
      const admins = path.join(dir, '.git', 'worktrees');
      expect(existsSync(admins) ? readdirSync(admins) : []).toEqual([]);
    };
    const hooked = gitRepo({ 'a.txt': 'a\n' });
    writeFileSync(path.join(hooked, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\ntouch ran\n');
    chmodSync(path.join(hooked, '.git', 'hooks', 'post-checkout'), 0o755);
    const wt1 = path.join(tempDir(), 'T');
    expect(await addWorktreeOnNewBranch(await openRepo(hooked), wt1, 'orch/x/T', head(hooked))).toBe(false);
    untouched(hooked, wt1, 'orch/x/T');

    const viaPath = gitRepo({ 'a.txt': 'a\n' });
    g(viaPath, 'config', 'core.hooksPath', '.husky');
    const wt2 = path.join(tempDir(), 'T');
    expect(await addWorktreeOnNewBranch(await openRepo(viaPath), wt2, 'orch/x/T', head(viaPath))).toBe(false);
    untouched(viaPath, wt2, 'orch/x/T');

    const taken = gitRepo({ 'a.txt': 'a\n' });
    g(taken, 'branch', 'orch/x/T');
    const wt3 = path.join(tempDir(), 'T');
    expect(await addWorktreeOnNewBranch(await openRepo(taken), wt3, 'orch/x/T', head(taken))).toBe(false);
    expect(existsSync(wt3)).toBe(false);
    expect(readdirSync(path.join(taken, '.git', 'worktrees'))).toEqual([]);
  });
});
