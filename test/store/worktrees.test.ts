import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureIssueWorktree, worktreePath } from '../../src/adapters/convoy/worktrees.ts';
import { openRepo } from '../../src/adapters/git/repo.ts';
import type { Convoy } from '../../src/schema/convoy.ts';
import { gitRepo, tempDir } from '../support/repo.ts';

// The local engine prepares workers' worktrees in the background, several at once. (Unserialised,
// one `git worktree add` failed in CI on another's half-written admin directory; rare on an idle machine.)
describe('issue worktrees prepared concurrently', () => {
  it('twelve at once all succeed on their own branches, and git lists every one', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    process.env.ORCH_WORKTREES = path.join(tempDir(), 'wt');
    try {
      const repo = await openRepo(dir);
      const base = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
      const convoy = { id: 'cv_w', integrationBranch: 'orch/cv_w/integration', base } as Convoy;
      const ids = Array.from({ length: 12 }, (_, i) => `I${i}`);
      const dirs = await Promise.all(ids.map((id) => ensureIssueWorktree(repo, convoy, id)));
      expect(dirs).toEqual(ids.map((id) => worktreePath(repo, convoy, id)));
      for (const d of dirs) expect(existsSync(path.join(d, 'a.txt'))).toBe(true);
      const listed = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: dir, encoding: 'utf8' });
      for (const id of ids) expect(listed).toContain(`branch refs/heads/orch/cv_w/${id}\n`);
      // Asked again (a restarted worker, the review): the same directory, no second worktree.
      expect(await ensureIssueWorktree(repo, convoy, 'I3')).toBe(dirs[3]);
    } finally {
      delete process.env.ORCH_WORKTREES;
    }
  });

  it('four worker processes preparing three each at once: all twelve made, no lock left behind', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const wt = path.join(tempDir(), 'wt');
    const repo = await openRepo(dir);
    const base = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    const script = path.resolve(import.meta.dirname, '../support/worktree-preparer.mjs');
    const groups = [0, 1, 2, 3].map((p) => [0, 1, 2].map((i) => `P${p}I${i}`));
    const outs = await Promise.all(
      groups.map((ids) => promisify(execFile)(process.execPath, [script, dir, 'cv_p', 'orch/cv_p/integration', base, ...ids], { env: { ...process.env, ORCH_WORKTREES: wt } })),
    );
    process.env.ORCH_WORKTREES = wt;
    try {
      const convoy = { id: 'cv_p', integrationBranch: 'orch/cv_p/integration', base } as Convoy;
      expect(outs.map((o) => o.stdout.trim().split('\n'))).toEqual(groups.map((ids) => ids.map((id) => worktreePath(repo, convoy, id))));
    } finally {
      delete process.env.ORCH_WORKTREES;
    }
    const listed = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: dir, encoding: 'utf8' });
    for (const id of groups.flat()) expect(listed).toContain(`branch refs/heads/orch/cv_p/${id}\n`);
    expect(existsSync(path.join(repo.commonDir, 'orch', 'worktree-add.lock'))).toBe(false);
  });
});
