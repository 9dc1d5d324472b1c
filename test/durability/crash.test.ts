import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { recoverStaleLocks } from '../../src/adapters/git/locks.ts';
import { GitCheckpointStore } from '../../src/adapters/store/git-store.ts';
import { orch } from '../support/cli.ts';
import { gitRepo, makeMessy, userState } from '../support/repo.ts';

const WRITER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/checkpoint-writer.mjs');
const KILLS = Number(process.env.ORCH_CRASH_KILLS ?? 200);

/**
 * Run a writer and SIGKILL it at a random moment (0–250 ms) after `from`: its ready line, or its
 * first stored checkpoint (on a loaded machine one checkpoint can take longer than 250 ms, and runs
 * that only ever kill the first write would test nothing that was reported). Returns the ids it reported.
 */
function writeAndKill(repo: string, epic: string, env: NodeJS.ProcessEnv, from: 'ready' | 'first-ok'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, repo, epic, '100000', 'append'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const ids: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    let buf = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        if (l === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), from === 'ready' ? Math.random() * 250 : 60_000); // never waits for ever
        else if (l.startsWith('ok ')) {
          ids.push(l.slice(3));
          if (from === 'first-ok' && ids.length === 1) {
            clearTimeout(timer);
            timer = setTimeout(() => child.kill('SIGKILL'), Math.random() * 250);
          }
        }
      }
    });
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(ids);
      else reject(new Error(`writer ended without the kill: ${err}`));
    });
  });
}

function lockFiles(repo: string): string[] {
  const root = path.join(repo, '.git', 'refs', 'orchestration');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.lock')) out.push(p);
    }
  };
  walk(root);
  return out;
}

describe('crash safety: kill -9 during checkpoint writes', () => {
  it(`${KILLS} kills: every ref readable, fsck clean, nothing reported written is missing, stale locks recovered`, async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    makeMessy(repo);
    const user = userState(repo);
    expect(orch(repo, ['session', 'start', '--epic', 'crash']).code).toBe(0);
    const reported: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      // A killed writer can leave its ref lock; the next one waits until it is stale (300 ms here).
      reported.push(...(await writeAndKill(repo, 'crash', { ORCH_STALE_LOCK_MS: '300' }, i % 2 === 0 ? 'ready' : 'first-ok')));
    }
    expect(reported.length).toBeGreaterThan(0);

    // Locks left now are recovered once stale.
    const locks = lockFiles(repo);
    for (const l of locks) utimesSync(l, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const info = await openRepo(repo);
    expect(await recoverStaleLocks(info, new Date())).toBe(locks.length);
    expect(lockFiles(repo)).toEqual([]);

    const fsck = spawnSync('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: repo, encoding: 'utf8' });
    expect(fsck.status, fsck.stderr).toBe(0);
    expect(fsck.stdout + fsck.stderr).not.toMatch(/error|missing|broken|corrupt/i);

    const store = new GitCheckpointStore(info, () => new Date());
    const listed = await store.listCheckpoints('crash');
    expect(listed.errors).toEqual([]);
    const stored = new Set(listed.checkpoints.map((c) => c.id));
    expect(reported.filter((id) => !stored.has(id))).toEqual([]);
    // One linear chain: every checkpoint's parent is the one before it.
    const chain = [...listed.checkpoints].reverse();
    chain.slice(1).forEach((c, i) => expect(c.parentCheckpointId).toBe(chain[i]!.id));
    expect(orch(repo, ['session', 'status', '--epic', 'crash']).code).toBe(0);
    expect(userState(repo)).toEqual(user);
  }, 600_000);
});
