import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catFileBatch } from '../../src/adapters/git/cat-file.ts';
import { readBlobs } from '../../src/adapters/git/objects.ts';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { orch } from '../support/cli.ts';
import { g, gitRepo } from '../support/repo.ts';

describe('the long-lived cat-file reader', () => {
  it('answers overlapping requests in order: small, missing, a large blob, objects written after it started', async () => {
    const big = 'x'.repeat(3_000_000) + '\n'; // arrives in many chunks
    const dir = gitRepo({ 'a.txt': 'a\n', 'big.txt': big });
    const repo = await openRepo(dir);
    const tip = (): string => g(dir, 'rev-parse', 'HEAD').trim();
    const [r1, r2, r3] = await Promise.all([
      readBlobs(repo, [`${tip()}:a.txt`, `${tip()}:nope.txt`]),
      readBlobs(repo, [`${tip()}:big.txt`]),
      readBlobs(repo, [`${tip()}:a.txt`, `${tip()}:big.txt`, `${tip()}:a.txt`]),
    ]);
    expect(r1.map((b) => b?.toString())).toEqual(['a\n', undefined]);
    expect(r2[0]?.toString()).toBe(big);
    expect(r3.map((b) => b?.length)).toEqual([2, big.length, 2]);
    writeFileSync(path.join(dir, 'a.txt'), 'changed\n');
    g(dir, 'commit', '-qam', 'second');
    expect((await readBlobs(repo, [`${tip()}:a.txt`]))[0]?.toString()).toBe('changed\n');
  });

  it('a killed reader is replaced: the read in flight and later ones still answer', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    const spec = `${g(dir, 'rev-parse', 'HEAD').trim()}:a.txt`;
    expect((await readBlobs(repo, [spec]))[0]?.toString()).toBe('a\n');
    const first = catFileBatch(repo.commonDir);
    process.kill(first.pid!, 'SIGKILL');
    const during = await readBlobs(repo, [spec]); // may meet the dying reader: falls back to one process
    expect(during[0]?.toString()).toBe('a\n');
    await new Promise((r) => setTimeout(r, 50));
    expect((await readBlobs(repo, [spec]))[0]?.toString()).toBe('a\n');
    expect(catFileBatch(repo.commonDir).pid).not.toBe(first.pid);
  });

  it("worktrees share their repository's reader; beyond four repositories the least recently used reader ends", async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const wt = `${dir}.orch-worktrees/wt`; // removed with the repository
    g(dir, 'worktree', 'add', '-q', '-b', 'side', wt);
    const [main, linked] = [await openRepo(dir), await openRepo(wt)];
    const spec = `${g(dir, 'rev-parse', 'HEAD').trim()}:a.txt`;
    await readBlobs(main, [spec]);
    expect((await readBlobs(linked, [spec]))[0]?.toString()).toBe('a\n');
    const first = catFileBatch(main.commonDir);
    expect(catFileBatch(linked.commonDir)).toBe(first);
    const ended = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        try {
          process.kill(first.pid!, 0);
        } catch {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    for (let i = 0; i < 4; i++) {
      const other = await openRepo(gitRepo({ 'b.txt': `${i}\n` }));
      await readBlobs(other, [`${g(other.top, 'rev-parse', 'HEAD').trim()}:b.txt`]);
    }
    await ended; // the test times out if the oldest reader never ends
    expect((await readBlobs(main, [spec]))[0]?.toString()).toBe('a\n'); // a new one starts
  });

  it('an idle reader does not keep a command running: the CLI ends on its own after reading checkpoints', () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    expect(orch(dir, ['session', 'start', '--epic', 'e']).code).toBe(0);
    const res = orch(dir, ['session', 'status', '--epic', 'e']); // reads blobs; killed at 60 s if it hung
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/running/);
  });
});
