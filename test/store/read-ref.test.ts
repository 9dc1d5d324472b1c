import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchExists, casRef, readRef } from '../../src/adapters/git/objects.ts';
import { readHead } from '../../src/adapters/git/snapshot.ts';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { gitRepo } from '../support/repo.ts';

// readRef reads orch's loose ref files itself; these are the cases where that must agree with git.
describe('readRef', () => {
  const head = (dir: string): string => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  const git = (dir: string, ...a: string[]): void => void execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: dir });

  it('agrees with git for loose, packed, packed-then-updated, deleted and missing refs', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    const first = head(dir);
    git(dir, 'update-ref', 'refs/orchestration/e/epic', first);
    expect(await readRef(repo, 'refs/orchestration/e/epic')).toBe(first);

    git(dir, 'pack-refs', '--all'); // the loose file is gone: git's packed-refs answers
    expect(await readRef(repo, 'refs/orchestration/e/epic')).toBe(first);

    git(dir, 'commit', '-q', '--allow-empty', '-m', 'second');
    const second = head(dir);
    git(dir, 'update-ref', 'refs/orchestration/e/epic', second); // loose again, shadowing the packed entry
    expect(await readRef(repo, 'refs/orchestration/e/epic')).toBe(second);

    git(dir, 'update-ref', '-d', 'refs/orchestration/e/epic');
    expect(await readRef(repo, 'refs/orchestration/e/epic')).toBeNull();
    expect(await readRef(repo, 'refs/orchestration/e/none')).toBeNull();
    expect(await readRef(repo, 'refs/orchestration/e')).toBeNull(); // a directory of refs, not a ref
  });

  it('a loose file that is not an object id goes to git, which refuses it', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    git(dir, 'update-ref', 'refs/orchestration/e/epic', head(dir));
    writeFileSync(path.join(repo.commonDir, 'refs/orchestration/e/epic'), 'garbage\n');
    expect(await readRef(repo, 'refs/orchestration/e/epic')).toBeNull();
  });

  it('from a linked worktree, the shared refs are read', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    git(dir, 'update-ref', 'refs/orchestration/e/epic', head(dir));
    const wt = path.join(dir, '..', `${path.basename(dir)}-wt`);
    git(dir, 'worktree', 'add', '-q', wt);
    expect(await readRef(await openRepo(wt), 'refs/orchestration/e/epic')).toBe(head(dir));
  });

  it('readHead agrees with git on a branch, detached, with the branch packed, unborn, and in a linked worktree', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const branch = execFileSync('git', ['branch', '--show-current'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(await readHead(await openRepo(dir))).toEqual({ head: head(dir), branch });
    git(dir, 'pack-refs', '--all');
    expect(await readHead(await openRepo(dir))).toEqual({ head: head(dir), branch });
    git(dir, 'checkout', '-q', '--detach');
    expect(await readHead(await openRepo(dir))).toEqual({ head: head(dir), branch: null });
    git(dir, 'checkout', '-q', branch);
    const wt = path.join(dir, '..', `${path.basename(dir)}-wt2`);
    git(dir, 'worktree', 'add', '-q', '-b', 'side', wt);
    expect(await readHead(await openRepo(wt))).toEqual({ head: head(dir), branch: 'side' });
    const empty = gitRepo({});
    expect((await readHead(await openRepo(empty))).head).toBeNull();
  });

  it('branchExists agrees with git for loose, packed, packed-then-deleted, nested-prefix and missing branches', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    git(dir, 'branch', 'orch/cv/T1');
    expect(await branchExists(repo, 'orch/cv/T1')).toBe(true);
    expect(await branchExists(repo, 'orch/cv')).toBe(false); // a directory of refs, not a branch
    expect(await branchExists(repo, 'orch/cv/T2')).toBe(false);
    git(dir, 'pack-refs', '--all');
    expect(await branchExists(repo, 'orch/cv/T1')).toBe(true);
    expect(await branchExists(repo, 'orch/cv/T')).toBe(false); // a prefix of a packed name
    git(dir, 'branch', '-D', 'orch/cv/T1');
    expect(await branchExists(repo, 'orch/cv/T1')).toBe(false);
  });

  it('casRef creates a ref in-process only when neither a loose file nor packed-refs has it', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    const first = head(dir);
    expect(await casRef(repo, 'refs/orchestration/e/sessions/s1', first, null, 'test')).toBe(true);
    expect(await casRef(repo, 'refs/orchestration/e/sessions/s1', first, null, 'test')).toBe(false); // exists now
    expect(execFileSync('git', ['rev-parse', 'refs/orchestration/e/sessions/s1'], { cwd: dir, encoding: 'utf8' }).trim()).toBe(first);
    git(dir, 'pack-refs', '--all');
    expect(await casRef(repo, 'refs/orchestration/e/sessions/s1', first, null, 'test')).toBe(false); // packed only
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'second');
    expect(await casRef(repo, 'refs/orchestration/e/sessions/s1', head(dir), first, 'test')).toBe(true); // packed only: git updates it
    expect(await readRef(repo, 'refs/orchestration/e/sessions/s1')).toBe(head(dir));
    expect(execFileSync('git', ['fsck', '--no-progress'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });
});
