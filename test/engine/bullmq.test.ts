import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { JOB_ATTEMPTS, versionKey } from '../../src/adapters/engines/bullmq-shared.ts';
import { agentScript } from '../support/agent-script.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { freePort, startRedis } from '../support/redis.ts';
import { startWorker, startWorkers } from '../support/remote-workers.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

const convoyId = (out: string): string => /created convoy (\S+)/.exec(out)![1]!;

/** A repository whose origin is a bare hub: the "server" every worker clones from. */
function hubbed(): { repo: string; hub: string; outside: string } {
  const repo = gitRepo();
  const hub = path.join(tempDir(), 'hub.git');
  g(repo, 'clone', '-q', '--bare', repo, hub);
  g(repo, 'remote', 'add', 'origin', hub);
  return { repo, hub, outside: tempDir() };
}

function convoy(repo: string, outside: string, ids: string[], extra: string[] = [], perIssue: Record<string, string> = {}): string {
  const tasks = path.join(outside, 'tasks.yaml');
  writeFileSync(tasks, `tasks:\n${ids.map((id) => `  - id: ${id}\n    title: issue ${id}\n`).join('')}`);
  const created = orch(repo, ['convoy', 'create', 'c', ...ids, '--epic', 'e', '--tasks', tasks, '--agent', 'command', '--command', agentScript(outside, perIssue), ...extra]);
  expect(created.code, created.stderr).toBe(0);
  return convoyId(created.stdout);
}

async function until(f: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('BullMQ engine: bad input', () => {
  it('Redis unreachable: one clear line, exit 1, nothing enqueued or pushed; bad flags exit 2', async () => {
    const { repo, hub, outside } = hubbed();
    const id = convoy(repo, outside, ['A']);
    const port = await freePort();
    const r = orch(repo, ['convoy', 'run', id, '--engine', 'bullmq', '--redis', `redis://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Redis at redis://127.0.0.1:${port} is unreachable`));
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('error')).length).toBe(1);
    const shown = orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { status: string; attempts: number }[] };
    expect(shown.issues).toEqual([expect.objectContaining({ status: 'pending', attempts: 0 })]);
    expect(g(hub, 'for-each-ref', 'refs/orchestration/')).toBe(''); // nothing published either
    const w = orch(repo, ['worker', '--redis', `redis://127.0.0.1:${port}`, '--dir', tempDir()]);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/is unreachable/);
    for (const args of [
      ['--engine', 'bullmq'],
      ['--engine', 'nope'],
      ['--engine', 'bullmq', '--redis', 'localhost:6379'],
      ['--redis', 'redis://127.0.0.1:1'],
    ]) {
      const bad = orch(repo, ['convoy', 'run', id, ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/^error: /m);
    }
    expect(orch(repo, ['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '0']).code).toBe(2);
  });

  it('Redis that may evict keys is refused; a worker of another orch version is refused, and so is its job', async () => {
    const lru = await startRedis({ policy: 'allkeys-lru' });
    const { repo, outside } = hubbed();
    const id = convoy(repo, outside, ['A']);
    const r = orch(repo, ['convoy', 'run', id, '--engine', 'bullmq', '--redis', lru.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/maxmemory-policy allkeys-lru/);

    const redis = await startRedis();
    const c = redis.client();
    await c.set(versionKey('orch-convoy'), '0.0.0-other');
    const w = orch(repo, ['worker', '--redis', redis.url, '--dir', tempDir()]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/dispatched by orch 0\.0\.0-other; this worker is orch \d/);

    // A job made by another version reaches a worker anyway (the key was reset): it fails with the reason, after its retries.
    await c.del(versionKey('orch-convoy'));
    const q = new Queue('orch-convoy', { connection: c });
    const job = { schemaVersion: 1, jobId: 'j1', orchVersion: '9.9.9', epicId: 'e', convoyId: id, workerId: 'wk', attempt: 1, budgetShare: null, previousSessionId: null, issue: { id: 'A', title: 'a', description: '', acceptance: '', notes: '' }, sentBack: [], branch: `orch/${id}/A`, remote: null };
    await q.add(id, { job, limits: { maxRestarts: 1 } }, { jobId: 'j1', attempts: JOB_ATTEMPTS, backoff: { type: 'fixed', delay: 100 } });
    const worker = startWorker({ redis: redis.url });
    await until(() => /job j1 failed/.test(worker.log()) && worker.log().split('job j1 failed').length > JOB_ATTEMPTS);
    const failed = (await q.getJob('j1'))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(JOB_ATTEMPTS);
    expect(failed.failedReason).toMatch(/job made by orch 9\.9\.9; this worker runs orch/);
    await q.close();
  });

  it('a worker that cannot reach the repository fails the job with the reason; the retry runs elsewhere and lands', async () => {
    const redis = await startRedis();
    const { repo, outside } = hubbed();
    const id = convoy(repo, outside, ['A']);
    const lost = startWorker({ redis: redis.url, args: ['--repo', path.join(outside, 'no-such-repo.git')] });
    const run = orchAsync(repo, ['convoy', 'run', id, '--workers', '1', '--poll', '0.2', '--engine', 'bullmq', '--redis', redis.url], {});
    await until(() => /cannot reach the repository/.test(lost.log()));
    lost.proc.kill('SIGTERM');
    await lost.exited;
    const good = startWorker({ redis: redis.url });
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/finished; done 1/);
    expect(lost.log()).toMatch(/failed: cannot reach the repository .*no-such-repo\.git/);
    expect(good.log()).toMatch(/: A done/);
  }, 90_000);
});

describe('BullMQ engine: durability and budgets', () => {
  it('a Redis restart mid-convoy loses no issue and duplicates no merge', async () => {
    const redis = await startRedis();
    const { repo, outside } = hubbed();
    const ids = ['A', 'B', 'C', 'D'];
    const id = convoy(repo, outside, ids, [], Object.fromEntries(ids.map((i) => [i, `sleep 2; echo ${i} > ${i}.txt`])));
    startWorkers(2, { redis: redis.url });
    let err = '';
    const run = orchAsync(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.2', '--engine', 'bullmq', '--redis', redis.url], {});
    await until(() => {
      const shown = orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { status: string }[] };
      err = JSON.stringify(shown);
      return shown.issues.filter((i) => i.status === 'running').length === 2;
    });
    await redis.restart();
    const r = await run;
    expect(r.code, `${r.stderr}\n${err}`).toBe(0);
    expect(r.stdout).toMatch(/finished; done 4/);
    const merges = g(repo, 'log', '--merges', '--format=%s', `orch/${id}/integration`).split('\n').filter(Boolean);
    expect(merges.map((m) => /Merge (\S+)/.exec(m)![1]).sort()).toEqual(ids);
  }, 120_000);

  it('the shared budget holds across workers on separate clones: no more than one call over each, no dispatch once spent', async () => {
    const redis = await startRedis();
    const { repo, outside } = hubbed();
    const ids = ['A', 'B', 'C', 'D', 'E', 'F'];
    // Each run of the agent "costs" $0.30 (reported as JSON); the convoy may spend $1.00.
    const id = convoy(repo, outside, ids, ['--budget', '1', '--cost-field', 'cost', '--sessions', '1'], Object.fromEntries(ids.map((i) => [i, `sleep 1; echo ${i} > ${i}.txt; echo '{"cost": 0.3}'`])));
    startWorkers(3, { redis: redis.url });
    const r = await orchAsync(repo, ['convoy', 'run', id, '--workers', '3', '--poll', '0.2', '--engine', 'bullmq', '--redis', redis.url], {});
    expect(r.code).toBe(1);
    const shown = orch(repo, ['convoy', 'show', id, '--json']).json() as { spent: number; issues: { id: string; status: string }[] };
    expect(shown.spent).toBeGreaterThanOrEqual(0.9);
    expect(shown.spent).toBeLessThanOrEqual(1 + 3 * 0.3 + 1e-9);
    expect(shown.issues.filter((i) => i.status === 'pending').length).toBeGreaterThan(0); // stopped dispatching
    const ledger = await redis.client().hgetall(`orch:orch-convoy:budget:${id}`);
    expect(Number(ledger['reserved'])).toBeCloseTo(0); // every grant settled
  }, 120_000);

  it('the witness sees remote heartbeats through QueueEvents: a silent remote worker is restarted once, then lands', async () => {
    const redis = await startRedis();
    const { repo, outside } = hubbed();
    const mark = path.join(outside, 'W.once');
    const id = convoy(repo, outside, ['W', 'V'], ['--stale-minutes', '0.15'], { W: `if [ ! -e ${mark} ]; then touch ${mark}; sleep 600; fi; echo W > W.txt`, V: 'for i in $(seq 1 14); do echo working; sleep 1; done; echo V > V.txt' });
    startWorkers(2, { redis: redis.url });
    const r = await orchAsync(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.2', '--engine', 'bullmq', '--redis', redis.url], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/finished; done 2/);
    expect(r.stderr).toMatch(/witness: W no progress/);
    expect(r.stderr).not.toMatch(/witness: V/); // V printed output every second: its heartbeats arrived
    const shown = orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { id: string; restarts: number; sessionIds: string[] }[] };
    expect(shown.issues.find((i) => i.id === 'W')).toMatchObject({ restarts: 1 });
    expect(shown.issues.find((i) => i.id === 'W')!.sessionIds).toHaveLength(2);
  }, 120_000);
});
