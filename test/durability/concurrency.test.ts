import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { GitCheckpointStore } from '../../src/adapters/store/git-store.ts';
import { g, gitRepo } from '../support/repo.ts';

const WRITER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/checkpoint-writer.mjs');

function runProcess(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('concurrency: checkpoint writers next to an agent committing in the same repo', () => {
  it('8 processes × 25 checkpoints while another process runs git add/commit in a loop: all 200 present, zero failures', async () => {
    const repo = gitRepo({ 'a.txt': '0\n' });
    // The "agent": porcelain add + commit in a loop, counting its own failures (index.lock and the like).
    const agent = runProcess(
      'bash',
      ['-c', 'fail=0; for i in $(seq 1 60); do echo $i >> a.txt; echo $i > "f$i.txt"; git add -A >/dev/null 2>&1 || fail=$((fail+1)); git -c user.name=a -c user.email=a@a commit -qm "agent $i" >/dev/null 2>&1 || fail=$((fail+1)); done; echo "failures=$fail"'],
      repo,
    );
    const writers = Array.from({ length: 8 }, () => runProcess(process.execPath, [WRITER, repo, 'conc', '25', 'new'], repo));
    const results = await Promise.all(writers);
    const agentRes = await agent;
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(agentRes.stdout.trim()).toBe('failures=0');
    expect(Number(g(repo, 'rev-list', '--count', 'main'))).toBe(61);

    const reported = results.flatMap((r) => r.stdout.split('\n').filter((l) => l.startsWith('ok ')).map((l) => l.slice(3)));
    expect(reported).toHaveLength(8 * 26); // each: its start checkpoint + 25
    const store = new GitCheckpointStore(await openRepo(repo), () => new Date());
    const listed = await store.listCheckpoints('conc');
    expect(listed.errors).toEqual([]);
    expect(new Set(listed.checkpoints.map((c) => c.id))).toEqual(new Set(reported));
    const sessions = await store.listSessions('conc');
    expect(sessions.map((s) => s.sessionNumber).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await store.getEpic('conc'))?.sessionCount).toBe(8);
  }, 300_000);
});
