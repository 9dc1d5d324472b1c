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
    const [r1, r2, r3] = await Promise.all([
      readBlobs(repo, ['HEAD:a.txt', 'HEAD:nope.txt']),
      readBlobs(repo, ['HEAD:big.txt']),
      readBlobs(repo, ['HEAD:a.txt', 'HEAD:big.txt', 'HEAD:a.txt']),
    ]);
    expect(r1.map((b) => b?.toString())).toEqual(['a\n', undefined]);
    expect(r2[0]?.toString()).toBe(big);
    expect(r3.map((b) => b?.length)).toEqual([2, big.length, 2]);
    writeFileSync(path.join(dir, 'a.txt'), 'changed\n');
    g(dir, 'commit', '-qam', 'second');
    expect((await readBlobs(repo, ['HEAD:a.txt']))[0]?.toString()).toBe('changed\n');
  });

  it('a killed reader is replaced: the read in flight and later ones still answer', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const repo = await openRepo(dir);
    expect((await readBlobs(repo, ['HEAD:a.txt']))[0]?.toString()).toBe('a\n');
    const first = catFileBatch(repo.top);
    process.kill(first.pid!, 'SIGKILL');
    const during = await readBlobs(repo, ['HEAD:a.txt']); // may meet the dying reader: falls back to one process
    expect(during[0]?.toString()).toBe('a\n');
    await new Promise((r) => setTimeout(r, 50));
    expect((await readBlobs(repo, ['HEAD:a.txt']))[0]?.toString()).toBe('a\n');
    expect(catFileBatch(repo.top).pid).not.toBe(first.pid);
  });

  it('an idle reader does not keep a command running: the CLI ends on its own after reading checkpoints', () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    expect(orch(dir, ['session', 'start', '--epic', 'e']).code).toBe(0);
    const res = orch(dir, ['session', 'status', '--epic', 'e']); // reads blobs; killed at 60 s if it hung
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/running/);
  });
});
