import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listOrchRefs } from '../../src/adapters/git/objects.ts';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { openGitDeps } from '../../src/adapters/open.ts';
import { startSession } from '../../src/core/session/start.ts';
import { parseLog } from '../../src/adapters/store/trailers.ts';
import { gitRepo } from '../support/repo.ts';

// Sessions are listed from the ref files (no for-each-ref per call); this must agree with git.
describe('orch refs listed from their files', () => {
  const git = (dir: string, ...a: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: dir, encoding: 'utf8' });
  const byGit = (dir: string, prefix: string): { ref: string; sha: string }[] =>
    git(dir, 'for-each-ref', '--format=%(refname) %(objectname)', prefix)
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ ref: l.split(' ')[0]!, sha: l.split(' ')[1]! }));

  it('agrees with for-each-ref over loose, packed, packed-then-updated, deleted, nested and locked refs', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    const prefix = 'refs/orchestration/e/sessions/';
    const commits = [git(dir, 'rev-parse', 'HEAD').trim()];
    for (let i = 1; i < 4; i++) {
      git(dir, 'commit', '-q', '--allow-empty', '-m', `c${i}`);
      commits.push(git(dir, 'rev-parse', 'HEAD').trim());
    }
    const check = async (): Promise<void> => expect(await listOrchRefs(repo, prefix)).toEqual(byGit(dir, prefix));
    await check(); // none yet
    for (const [i, name] of ['s1', 's2', 'deep/s3', 's4'].entries()) git(dir, 'update-ref', `${prefix}${name}`, commits[i]!);
    git(dir, 'update-ref', 'refs/orchestration/e/epic', commits[0]!); // outside the prefix
    git(dir, 'update-ref', 'refs/orchestration/e/sessions-other/x', commits[0]!);
    await check();
    git(dir, 'pack-refs', '--all');
    await check();
    git(dir, 'update-ref', `${prefix}s2`, commits[3]!); // loose again, shadowing the packed entry
    git(dir, 'update-ref', '-d', `${prefix}s1`);
    git(dir, 'update-ref', `${prefix}s5`, commits[2]!);
    writeFileSync(path.join(repo.commonDir, `${prefix}s6.lock`), `${commits[1]}\n`); // a writer mid-update
    await check();
    expect((await listOrchRefs(repo, prefix))?.map((r) => r.ref)).toEqual([`${prefix}deep/s3`, `${prefix}s2`, `${prefix}s4`, `${prefix}s5`]);
  });

  it('answers null (git decides) for a ref file that is not an object id, and outside orch refs', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    mkdirSync(path.join(repo.commonDir, 'refs/orchestration/e/sessions'), { recursive: true });
    writeFileSync(path.join(repo.commonDir, 'refs/orchestration/e/sessions/sym'), 'ref: refs/heads/main\n');
    expect(await listOrchRefs(repo, 'refs/orchestration/e/sessions/')).toBeNull();
    expect(await listOrchRefs(repo, 'refs/heads/')).toBeNull();
  });

  it('sessions listed before and after git packs their refs are the same', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const { deps, store } = await openGitDeps(dir);
    for (let i = 0; i < 3; i++) await startSession(deps, { epicId: 'e', resume: false, concurrent: true });
    const before = await store.listSessions('e');
    expect(before.map((t) => t.sessionNumber)).toEqual([1, 2, 3]);
    // What git itself reads from the same commits' trailers (the for-each-ref path this replaces).
    const fromGit = parseLog(git(dir, 'for-each-ref', '--format=%(objectname)%1f%(contents:trailers:only,unfold)%1e', 'refs/orchestration/e/sessions/'));
    const pick = (t: Map<string, string>): string[] => ['Orch-Session', 'Orch-Session-Number', 'Orch-Checkpoint', 'Orch-Status', 'Orch-Cost', 'Orch-Created'].map((k) => t.get(k) ?? '');
    expect(fromGit).toHaveLength(3);
    expect(before.map((t) => [t.sessionId, String(t.sessionNumber), t.checkpointId, t.status, t.costUsd.toFixed(6), t.createdAt]).sort()).toEqual(fromGit.map((c) => pick(c.trailers)).sort());
    git(dir, 'pack-refs', '--all');
    const { store: fresh } = await openGitDeps(dir);
    expect(await fresh.listSessions('e')).toEqual(before);
  });
});
