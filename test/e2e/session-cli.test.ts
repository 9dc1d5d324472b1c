import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orch } from '../support/cli.ts';
import { conflictingBranches, g, gitRepo, makeMessy, tempDir, userState, write } from '../support/repo.ts';

/** Every command of the session cycle, as a user runs them. */
function cycle(cwd: string): string[] {
  const out: string[] = [];
  const run = (...args: string[]): void => {
    const r = orch(cwd, args);
    expect(r.stderr + r.stdout, `orch ${args.join(' ')}`).not.toMatch(/internal error/);
    expect(r.code, `orch ${args.join(' ')}: ${r.stderr}`).toBe(0);
    out.push(r.stdout);
  };
  run('session', 'start', '--epic', 'my-feature', '--budget', '5.00');
  run('session', 'status', '--epic', 'my-feature');
  run('session', 'pause', '--epic', 'my-feature', '--reason', 'End of day');
  run('session', 'list', '--epic', 'my-feature');
  run('session', 'start', '--epic', 'my-feature', '--resume');
  run('session', 'complete', '--epic', 'my-feature', '--outcome', 'partial');
  const list = orch(cwd, ['session', 'list', '--epic', 'my-feature', '--json']).json() as { checkpoints: { id: string }[] };
  run('checkpoint', 'show', list.checkpoints[0]!.id);
  return out;
}

function expectUntouched(cwd: string, check: (cwd: string) => void): void {
  const before = userState(cwd);
  check(cwd);
  expect(userState(cwd)).toEqual(before);
}

describe('orch session: the user’s repository is never touched', () => {
  it('with staged, unstaged and untracked changes', () => {
    const dir = gitRepo({ 'README.md': '# x\n', 'src/a.ts': 'export {};\n' });
    makeMessy(dir);
    expectUntouched(dir, cycle);
    // The snapshot holds the work in progress but not the secret or the ignored file.
    const show = orch(dir, ['session', 'list', '--epic', 'my-feature', '--json']).json() as { checkpoints: { git: { snapshotTree: string; excluded: string[]; changed: string[] } }[] };
    const snap = show.checkpoints.at(-1)!.git;
    expect(snap.excluded).toEqual(['.env']);
    expect(snap.changed.sort()).toEqual(['.gitignore', 'README.md', 'staged.txt', 'untracked/new.ts']);
    const files = g(dir, 'ls-tree', '-r', '--name-only', snap.snapshotTree).split('\n');
    expect(files).toContain('untracked/new.ts');
    expect(files).not.toContain('.env');
    expect(files).not.toContain('ignored.log');
  });

  it('on a detached HEAD', () => {
    const dir = gitRepo();
    g(dir, 'checkout', '-q', '--detach');
    makeMessy(dir);
    expectUntouched(dir, cycle);
  });

  it('in the middle of a rebase', () => {
    const dir = gitRepo({ 'f.txt': 'base\n' });
    conflictingBranches(dir, 'f.txt', 'topic');
    g(dir, 'checkout', '-q', 'topic');
    expect(() => g(dir, 'rebase', 'main')).toThrow();
    expectUntouched(dir, cycle);
    expect(g(dir, 'status')).toMatch(/rebase in progress/);
  });

  it('in a linked worktree, with the refs shared with the main checkout', () => {
    const dir = gitRepo();
    const wt = path.join(tempDir(), 'wt');
    g(dir, 'worktree', 'add', '-q', wt, '-b', 'wt-branch');
    makeMessy(wt);
    const main = userState(dir);
    expectUntouched(wt, cycle);
    expect(userState(dir)).toEqual(main);
    expect(orch(dir, ['session', 'status', '--epic', 'my-feature']).code).toBe(0);
  });

  it('in a repository with no commits yet', () => {
    const dir = gitRepo({});
    write(dir, { 'a.txt': 'a\n' });
    g(dir, 'add', 'a.txt');
    write(dir, { 'b.txt': 'b\n' });
    expectUntouched(dir, cycle);
  });

  it('outside a git repository: one clear error, exit 2', () => {
    const dir = tempDir();
    const r = orch(dir, ['session', 'status', '--epic', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a git repository/);
  });
});

describe('orch session: bad input', () => {
  const badIds = ['a/b', '..', 'a..b', 'has space', '$(touch pwned)', '-rf', 'x'.repeat(101), 'x.lock', ''];
  it.each(badIds)('epic id %j → exit 2, nothing written', (id) => {
    const dir = gitRepo();
    const before = g(dir, 'for-each-ref');
    const r = orch(dir, ['session', 'start', `--epic=${id}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/epic|option/);
    expect(g(dir, 'for-each-ref')).toBe(before);
    expect(() => g(dir, 'rev-parse', '-q', '--verify', 'refs/orchestration')).toThrow();
  });

  it('stores reasons with shell metacharacters literally', () => {
    const dir = gitRepo();
    const reason = 'done; rm -rf / && echo $(whoami) `id` "quoted" \'single\' | cat > /tmp/x';
    expect(orch(dir, ['session', 'start', '--epic', 'e']).code).toBe(0);
    expect(orch(dir, ['session', 'pause', '--epic', 'e', '--reason', reason]).code).toBe(0);
    const list = orch(dir, ['session', 'list', '--epic', 'e', '--json']).json() as { checkpoints: { reason: string }[] };
    expect(list.checkpoints[0]!.reason).toBe(reason);
  });

  it('rejects negative and non-numeric budgets with exit 2', () => {
    const dir = gitRepo();
    for (const b of ['-1', 'abc', '1e999', 'NaN']) {
      const r = orch(dir, ['session', 'start', '--epic', 'e', `--budget=${b}`]);
      expect(r.code, b).toBe(2);
      expect(r.stderr).toMatch(/invalid budget/);
    }
    expect(g(dir, 'for-each-ref', 'refs/orchestration')).toBe('');
  });

  it('names a corrupt checkpoint while the others still list', () => {
    const dir = gitRepo();
    orch(dir, ['session', 'start', '--epic', 'e']);
    orch(dir, ['session', 'pause', '--epic', 'e', '--reason', 'p']);
    const ref = g(dir, 'for-each-ref', '--format=%(refname)', 'refs/orchestration/e/sessions/').trim();
    // A second session whose checkpoint document is garbage.
    const tmp = tempDir();
    writeFileSync(path.join(tmp, 'bad.json'), '{ not json');
    const badBlob = g(dir, 'hash-object', '-w', path.join(tmp, 'bad.json')).trim();
    const idx = path.join(tmp, 'idx');
    const env = { ...process.env, GIT_INDEX_FILE: idx };
    execFileSync('git', ['update-index', '--add', '--cacheinfo', `100644,${badBlob},.orchestration/checkpoints/e/ckpt-ZZZZ.json`], { cwd: dir, env });
    const tree = execFileSync('git', ['write-tree'], { cwd: dir, env, encoding: 'utf8' }).trim();
    const msg = 'bad\n\nOrch-Epic: e\nOrch-Session: ses_bad\nOrch-Session-Number: 2\nOrch-Checkpoint: ckpt-ZZZZ\nOrch-Status: running\nOrch-Cost: 0\nOrch-Created: 2099-01-01T00:00:00.000Z\n';
    const commit = g(dir, 'commit-tree', tree, '-m', msg).trim();
    g(dir, 'update-ref', 'refs/orchestration/e/sessions/ses_bad', commit);
    expect(ref).toBeTruthy();
    const r = orch(dir, ['session', 'list', '--epic', 'e']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/unreadable: checkpoint ckpt-ZZZZ .*not valid JSON/);
    expect(r.stdout.match(/^ckpt-\w+ +#1/gm)).toHaveLength(2);
  });

  it('refuses a checkpoint written by a newer orch: schema_unsupported', () => {
    const dir = gitRepo();
    orch(dir, ['session', 'start', '--epic', 'e']);
    const tip = orch(dir, ['session', 'status', '--epic', 'e', '--json']).json() as { lastCheckpoint: Record<string, unknown> };
    const doc: Record<string, unknown> = { ...tip.lastCheckpoint, schemaVersion: 99 };
    const tmp = tempDir();
    writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(doc));
    const blob = g(dir, 'hash-object', '-w', path.join(tmp, 'c.json')).trim();
    const env = { ...process.env, GIT_INDEX_FILE: path.join(tmp, 'idx') };
    execFileSync('git', ['update-index', '--add', '--cacheinfo', `100644,${blob},.orchestration/checkpoints/e/${String(doc.id)}.json`], { cwd: dir, env });
    const tree = execFileSync('git', ['write-tree'], { cwd: dir, env, encoding: 'utf8' }).trim();
    const ref = g(dir, 'for-each-ref', '--format=%(refname)', 'refs/orchestration/e/sessions/').trim();
    const msg = g(dir, 'log', '-1', '--format=%B', ref);
    g(dir, 'update-ref', ref, g(dir, 'commit-tree', tree, '-m', msg).trim());
    const r = orch(dir, ['session', 'status', '--epic', 'e', '--json']);
    expect(r.code).toBe(2);
    expect((r.json().error as { code: string }).code).toBe('schema_unsupported');
  });
});
