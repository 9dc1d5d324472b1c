import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withPidLock } from './pid-lock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const lockFile = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'orch-lock-'));
  dirs.push(d);
  return path.join(d, 'x.lock');
};

describe('withPidLock', () => {
  it('runs jobs one at a time and removes the lock after each, also after a failure', async () => {
    const file = lockFile();
    let inside = 0;
    let most = 0;
    const job = async (): Promise<void> => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setTimeout(r, 10));
      inside--;
    };
    // Separate "processes" cannot be simulated in one: the lock is re-entered only through the file.
    await Promise.all([withPidLock(file, job), withPidLock(file, job), withPidLock(file, job)]);
    expect(most).toBe(1);
    await expect(withPidLock(file, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(file)).toBe(false);
  });

  it('takes over a lock whose holder is dead; waits for a live one', async () => {
    const file = lockFile();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(file, dead);
    expect(await withPidLock(file, () => Promise.resolve('taken'))).toBe('taken');
    writeFileSync(file, String(process.ppid)); // alive: our parent
    let got = false;
    const waiting = withPidLock(file, () => Promise.resolve((got = true)));
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toBe(false);
    rmSync(file); // the holder lets go
    await waiting;
    expect(got).toBe(true);
  });
});
