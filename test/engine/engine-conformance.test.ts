import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convoyDir, worktreePath } from '../../src/adapters/convoy/worktrees.ts';
import { workerJob } from '../../src/adapters/convoy/wiring.ts';
import { openBullmqDispatch } from '../../src/adapters/engines/bullmq-dispatch.ts';
import { DEFAULT_QUEUE } from '../../src/adapters/engines/bullmq-shared.ts';
import { LocalEngine } from '../../src/adapters/engines/local-engine.ts';
import { openGitDeps } from '../../src/adapters/open.ts';
import { GitConvoyStore } from '../../src/adapters/store/convoy-store.ts';
import type { Engine, EngineSignals } from '../../src/core/convoy/engine.ts';
import type { TrackerIssue } from '../../src/core/tracker/types.ts';
import { agentRuns, agentScript } from '../support/agent-script.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { startRedis } from '../support/redis.ts';
import { startWorkers, type WorkerProc } from '../support/remote-workers.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

// One contract, two engines (src/core/convoy/engine.ts): the same convoy runs, the same faults,
// the same expectations, on local child processes and on BullMQ workers with their own clones.

interface Harness {
  repo: string;
  runArgs: string[];
  /** kill -9 the worker process working on this issue; resolves once it is dead. */
  killWorker(convoyId: string, issueId: string): Promise<void>;
  workers: WorkerProc[];
  /** The engine itself, for contract cases below the CLI. */
  engine(convoyId: string): Promise<{ engine: Engine; remote: string | null; close: () => Promise<void> }>;
}

const noSignals: EngineSignals = { onSession: () => Promise.resolve(), onRedelivered: () => Promise.resolve() };

const ENGINES: Record<'local' | 'bullmq', () => Promise<Harness>> = {
  local: () => {
    const repo = gitRepo();
    return Promise.resolve({
      repo,
      runArgs: [],
      workers: [],
      engine: async (convoyId) => {
        const { deps, repo: info } = await openGitDeps(repo);
        const convoy = (await new GitConvoyStore(info, deps.clock, deps.ids).get('e', convoyId))!;
        const e = new LocalEngine({ repo: info, env: process.env, signals: noSignals, dir: () => convoyDir(info, convoyId), worktree: () => ({ dir: worktreePath(info, convoy, 'I'), convoy }), fence: () => Promise.resolve() });
        return { engine: e, remote: null, close: () => e.close() };
      },
      killWorker: async (convoyId, issueId) => {
        const dir = path.join(repo, '.git', 'orch', 'convoys', convoyId, 'workers');
        const live = readdirSync(dir)
          .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { pid: number; issueId: string; finished?: boolean })
          .find((w) => w.issueId === issueId && !w.finished);
        process.kill(live!.pid, 'SIGKILL');
        await until(() => !alive(live!.pid));
      },
    });
  },
  bullmq: async () => {
    const repo = gitRepo();
    const hub = path.join(tempDir(), 'hub.git');
    g(repo, 'clone', '-q', '--bare', repo, hub);
    g(repo, 'remote', 'add', 'origin', hub);
    const redis = await startRedis();
    const workers = startWorkers(2, { redis: redis.url });
    return {
      repo,
      runArgs: ['--engine', 'bullmq', '--redis', redis.url],
      workers,
      engine: async (convoyId) => {
        const { deps, repo: info } = await openGitDeps(repo);
        const convoy = (await new GitConvoyStore(info, deps.clock, deps.ids).get('e', convoyId))!;
        const d = await openBullmqDispatch({ repo: info, convoy, redisUrl: redis.url, remote: undefined, queue: DEFAULT_QUEUE, spentSoFar: 0, pollMs: 200 });
        return { engine: d.engine(noSignals), remote: d.remote, close: d.close };
      },
      killWorker: async (_convoyId, issueId) => {
        const w = workers.find((x) => x.proc.exitCode === null && x.proc.signalCode === null && new RegExp(`: ${issueId} \\(attempt`).test(x.log()))!;
        process.kill(w.pid, 'SIGKILL');
        await w.exited;
      },
    };
  },
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(f: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An agent that hangs on `issue` the first time (until killed or stopped) and works normally after. */
function hangsOnce(outside: string, issue: string): { agent: string; log: string; mark: string } {
  const log = path.join(outside, 'agents.log');
  const mark = path.join(outside, `${issue}.once`);
  return { agent: agentScript(outside, { [issue]: `if [ ! -e ${mark} ]; then touch ${mark}; sleep 30; fi; echo ${issue} > ${issue}.txt` }, { log }), log, mark };
}

const convoyId = (out: string): string => /created convoy (\S+)/.exec(out)![1]!;

function tasks(dir: string, ids: string[]): string {
  const file = path.join(dir, 'tasks.yaml');
  writeFileSync(file, `tasks:\n${ids.map((id) => `  - id: ${id}\n    title: issue ${id}\n`).join('')}`);
  return file;
}

interface Shown {
  issues: { id: string; status: string; attempts: number; restarts: number; sessionIds: string[]; reasons: string[] }[];
}

describe.each(['local', 'bullmq'] as const)('engine conformance: %s', (engine) => {
  it('dispatch: every issue worked once, at most one worker per issue and at most N at a time; all merged', async () => {
    const h = await ENGINES[engine]();
    const outside = tempDir();
    const log = path.join(outside, 'agents.log');
    const agent = agentScript(outside, { A: 'sleep 1; echo A > A.txt', B: 'sleep 1; echo B > B.txt' }, { log });
    const id = convoyId(orch(h.repo, ['convoy', 'create', 'four', 'A', 'B', 'C', 'D', '--epic', 'e', '--tasks', tasks(outside, ['A', 'B', 'C', 'D']), '--agent', 'command', '--command', agent]).stdout);
    const run = await orchAsync(h.repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.2', ...h.runArgs], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/finished; done 4/);
    const runs = agentRuns(readFileSync(log, 'utf8'));
    expect(runs.map((r) => r.id).sort()).toEqual(['A', 'B', 'C', 'D']);
    for (const r of runs) {
      const overlapping = runs.filter((x) => x !== r && x.start < (r.end ?? Infinity) && r.start < (x.end ?? Infinity));
      expect(overlapping.length).toBeLessThanOrEqual(1); // 2 workers
    }
    const shown = orch(h.repo, ['convoy', 'show', id, '--json']).json() as unknown as Shown;
    expect(shown.issues.every((i) => i.status === 'done' && i.attempts === 1 && i.sessionIds.length === 1)).toBe(true);
    const files = g(h.repo, 'ls-tree', '--name-only', `orch/${id}/integration`).split('\n');
    expect(files).toEqual(expect.arrayContaining(['A.txt', 'B.txt', 'C.txt', 'D.txt']));
  }, 120_000);

  it('kill -9 of a worker: its issue is redelivered and resumes from its last checkpoint (a restart, not an attempt)', async () => {
    const h = await ENGINES[engine]();
    const outside = tempDir();
    const { agent, log, mark } = hangsOnce(outside, 'K');
    const id = convoyId(orch(h.repo, ['convoy', 'create', 'kill', 'K', 'L', '--epic', 'e', '--tasks', tasks(outside, ['K', 'L']), '--agent', 'command', '--command', agent]).stdout);
    const run = orchAsync(h.repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.2', ...h.runArgs], {});
    // Wait until K's first session is recorded (its checkpoint exists), then kill its worker.
    await until(() => existsSync(mark) && (orch(h.repo, ['convoy', 'show', id, '--json']).json() as unknown as Shown).issues.find((i) => i.id === 'K')!.sessionIds.length === 1);
    const killedAt = Date.now();
    await h.killWorker(id, 'K');
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/finished; done 2/);
    const k = (orch(h.repo, ['convoy', 'show', id, '--json']).json() as unknown as Shown).issues.find((i) => i.id === 'K')!;
    expect(k).toMatchObject({ status: 'done', attempts: 1, restarts: 1 });
    expect(k.sessionIds).toHaveLength(2);
    // The second session continues the first (its parent), and the first was fenced or paused.
    const list = orch(h.repo, ['session', 'list', '--epic', 'e', '--json']).json() as { checkpoints: { sessionId: string; status: string; context: { parentSessionId: string | null } }[] };
    const second = list.checkpoints.find((c) => c.sessionId === k.sessionIds[1])!;
    expect(second.context.parentSessionId).toBe(k.sessionIds[0]);
    const firstStatus = list.checkpoints.filter((c) => c.sessionId === k.sessionIds[0]).map((c) => c.status);
    expect(firstStatus.some((s) => s === 'interrupted' || s === 'paused')).toBe(true);
    // The redelivered agent started only after the kill: never two at once on K.
    const kRuns = agentRuns(readFileSync(log, 'utf8')).filter((x) => x.id === 'K');
    expect(kRuns).toHaveLength(2);
    expect(kRuns[1]!.start).toBeGreaterThan(killedAt);
    if (alive(kRuns[0]!.pid)) process.kill(kRuns[0]!.pid, 'SIGKILL'); // the first agent's sleep, where the kill orphaned it
  }, 120_000);

  it('retry cap: an issue that never gets done fails after --max-attempts; the others land', async () => {
    const h = await ENGINES[engine]();
    const outside = tempDir();
    const agent = agentScript(outside, { F: 'echo "cannot do F" >&2; exit 3' });
    const id = convoyId(orch(h.repo, ['convoy', 'create', 'cap', 'F', 'G', '--epic', 'e', '--tasks', tasks(outside, ['F', 'G']), '--agent', 'command', '--command', agent, '--max-attempts', '2', '--sessions', '1']).stdout);
    const r = await orchAsync(h.repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.2', ...h.runArgs], {});
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/done 1 \(G\), failed 1 \(F\)/);
    const f = (orch(h.repo, ['convoy', 'show', id, '--json']).json() as unknown as Shown).issues.find((i) => i.id === 'F')!;
    expect(f).toMatchObject({ status: 'failed', attempts: 2 });
  }, 120_000);

  it('cancellation: convoy cancel stops the running worker for good; nothing is dispatched after', async () => {
    const h = await ENGINES[engine]();
    const outside = tempDir();
    const log = path.join(outside, 'agents.log');
    const agent = agentScript(outside, { X: 'sleep 30; echo X > X.txt' }, { log });
    const id = convoyId(orch(h.repo, ['convoy', 'create', 'cancel', 'X', 'Y', '--epic', 'e', '--tasks', tasks(outside, ['X', 'Y']), '--agent', 'command', '--command', agent]).stdout);
    const run = orchAsync(h.repo, ['convoy', 'run', id, '--workers', '1', '--poll', '0.2', ...h.runArgs], {});
    await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('start X'));
    expect(orch(h.repo, ['convoy', 'cancel', id, '--reason', 'not needed']).code).toBe(0);
    const r = await run;
    expect(r.stdout).toMatch(/cancelled/);
    const runs = agentRuns(readFileSync(log, 'utf8'));
    expect(runs.map((x) => x.id)).toEqual(['X']); // Y never started
    await until(() => !alive(runs[0]!.pid), 20_000); // X's agent was stopped, not left running
  }, 120_000);

  it('graceful shutdown: a stopped run pauses its worker after a checkpoint; resume continues from it', async () => {
    const h = await ENGINES[engine]();
    const outside = tempDir();
    const { agent, log, mark } = hangsOnce(outside, 'S');
    const id = convoyId(orch(h.repo, ['convoy', 'create', 'graceful', 'S', '--epic', 'e', '--tasks', tasks(outside, ['S']), '--agent', 'command', '--command', agent]).stdout);
    const run = orchAsync(h.repo, ['convoy', 'run', id, '--workers', '1', '--poll', '0.2', ...h.runArgs], {});
    await until(() => existsSync(mark) && (orch(h.repo, ['convoy', 'show', id, '--json']).json() as unknown as Shown).issues[0]!.sessionIds.length === 1);
    const stop = orch(h.repo, ['convoy', 'stop', id]);
    const stopped = await run;
    expect(stop.code, `${stop.stderr}\n${stopped.stderr}`).toBe(0);
    expect(stopped.stdout).toMatch(/stopped/);
    const first = (orch(h.repo, ['convoy', 'show', id, '--json']).json() as unknown as Shown).issues[0]!;
    const sessions = (): { sessionId: string; status: string; context: { parentSessionId: string | null } }[] =>
      (orch(h.repo, ['session', 'list', '--epic', 'e', '--json']).json() as { checkpoints: { sessionId: string; status: string; context: { parentSessionId: string | null } }[] }).checkpoints;
    expect(sessions().filter((c) => c.sessionId === first.sessionIds[0]).map((c) => c.status)).toContain('paused');
    await until(() => !alive(agentRuns(readFileSync(log, 'utf8'))[0]!.pid), 20_000); // its agent was stopped
    const resumed = await orchAsync(h.repo, ['convoy', 'resume', id, '--workers', '1', '--poll', '0.2', ...h.runArgs], {});
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = (orch(h.repo, ['convoy', 'show', id, '--json']).json() as unknown as Shown).issues[0]!;
    expect(done.status).toBe('done');
    expect(done.sessionIds).toHaveLength(2);
    expect(sessions().find((c) => c.sessionId === done.sessionIds[1])?.context.parentSessionId).toBe(done.sessionIds[0]);
  }, 120_000);

  it('idempotent enqueue: submitting the same job id twice is one job, worked once', async () => {
    const h = await ENGINES[engine]();
    const outside = tempDir();
    const log = path.join(outside, 'agents.log');
    const agent = agentScript(outside, { I: 'sleep 1; echo I > I.txt' }, { log });
    const id = convoyId(orch(h.repo, ['convoy', 'create', 'idem', 'I', '--epic', 'e', '--tasks', tasks(outside, ['I']), '--agent', 'command', '--command', agent]).stdout);
    const { engine: e, remote, close } = await h.engine(id);
    try {
      const { deps, repo } = await openGitDeps(h.repo);
      const convoy = (await new GitConvoyStore(repo, deps.clock, deps.ids).get('e', id))!;
      const issue = { id: 'I', title: 'issue I', description: '', acceptance: '', notes: '' } as TrackerIssue;
      const job = workerJob({ convoy, issue, workerId: 'wk_idem', attempt: 1, budgetShare: null, previousSessionId: null, sentBack: [] }, remote);
      const [w1, w2] = await Promise.all([e.submit(job, { maxRestarts: 1 }), e.submit(job, { maxRestarts: 1 })]);
      const w3 = await e.submit(job, { maxRestarts: 1 });
      expect(w2).toBe(w1);
      expect(w3).toBe(w1);
      const exit = await w1.exited;
      expect(exit.done).toBe(true);
      expect(agentRuns(readFileSync(log, 'utf8')).map((r) => r.id)).toEqual(['I']);
    } finally {
      await close();
    }
  }, 120_000);
});
