import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { OrchError } from '../../core/errors.ts';
import { toWorkerJob, type WorkerJob } from '../../schema/worker-job.ts';
import { fenceSession } from '../convoy/fence.ts';
import { ORCH_BIN, WORKER_SESSION_PREFIX, parseWorkerLines } from '../convoy/worker-protocol.ts';
import { progressFile } from '../convoy/worktrees.ts';
import { git } from '../git/git.ts';
import { openRepo } from '../git/repo.ts';
import { restoreSnapshot } from '../git/restore.ts';
import { syncNamespace } from '../git/sync.ts';
import { openGitDeps } from '../open.ts';
import { ORCH_VERSION } from '../orch-version.ts';
import { GitConvoyStore } from '../store/convoy-store.ts';
import { BudgetLedger } from './budget-ledger.ts';
import { cancelKey, versionKey, type QueuedJob, type QueuedResult } from './bullmq-shared.ts';
import { connectRedis } from './redis.ts';

export interface RemoteWorkerOptions {
  redisUrl: string;
  queue: string;
  concurrency: number;
  /** Where this worker keeps its clone and job worktrees. */
  dir: string;
  /** Clone from here instead of the remote each job names (same repository, another address). */
  repo?: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** BullMQ lock: renewed every half; a worker silent this long is taken as dead. */
  lockMs?: number;
  stalledIntervalMs?: number;
}

/** Git work on the shared clone one step at a time (several jobs share it). */
function gitQueue(): <T>(f: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(f: () => Promise<T>): Promise<T> => {
    const r = tail.then(f);
    tail = r.catch(() => undefined);
    return r;
  };
}

/**
 * `orch worker`: takes convoy jobs from Redis. Per job: fetch the repository and orch's refs,
 * open a worktree on the issue's branch, resume from the last checkpoint the job reported, run
 * `orch convoy worker` there, push the branch and the sessions back, and acknowledge.
 */
export async function startRemoteWorker(o: RemoteWorkerOptions): Promise<{ close(): Promise<void>; warnings: string[] }> {
  const { redis, check } = await connectRedis(o.redisUrl);
  const announced = await redis.get(versionKey(o.queue));
  if (announced !== null && announced !== ORCH_VERSION) {
    redis.disconnect();
    throw new OrchError('usage', `the convoys on queue ${o.queue} are dispatched by orch ${announced}; this worker is orch ${ORCH_VERSION}`, { hint: `install @create-something/orchestration@${announced} on this machine` });
  }
  mkdirSync(o.dir, { recursive: true });
  const ledger = new BudgetLedger(redis, o.queue);
  const serial = gitQueue();
  const children = new Set<import('node:child_process').ChildProcess>();
  let closing = false;

  const processor = async (bjob: Job<QueuedJob, QueuedResult>, token?: string): Promise<QueuedResult> => {
    const job = toWorkerJob(bjob.data.job, `job ${bjob.id}`);
    if (job.orchVersion !== ORCH_VERSION) throw new Error(`job made by orch ${job.orchVersion}; this worker runs orch ${ORCH_VERSION}`);
    if (await redis.get(cancelKey(o.queue, bjob.id!))) throw new UnrecoverableError('cancelled by the dispatcher');
    if (bjob.stalledCounter > bjob.data.limits.maxRestarts) throw new UnrecoverableError(`its worker was lost ${bjob.stalledCounter} times; restart cap ${bjob.data.limits.maxRestarts} reached`);
    const remote = o.repo ?? job.remote;
    if (!remote) throw new UnrecoverableError('the job names no repository to clone');
    // The last session a lost worker reported (a redelivered job), kept in the job's progress.
    const reported = (bjob.progress as { sessionId?: string } | null)?.sessionId ?? null;
    const pulse = (sessionId: string | null): Promise<void> => bjob.updateProgress({ sessionId, at: new Date().toISOString() }).catch(() => undefined);
    await pulse(reported); // taken: the dispatcher's witness counts from now (a cold clone takes a while)
    const clone = path.join(o.dir, 'repo');
    const wt = path.join(o.dir, 'jobs', bjob.id!);
    await serial(() => prepare(clone, wt, remote, job));
    await pulse(reported);
    o.log(`job ${bjob.id}: ${job.issue.id} (attempt ${job.attempt}${bjob.stalledCounter ? `, redelivered ${bjob.stalledCounter}×` : ''}) in ${wt}`);
    const { deps, repo } = await openGitDeps(wt);
    // Redelivered: that session is fenced and its work-in-progress restored.
    const previous = reported ?? job.previousSessionId;
    if (reported) {
      await fenceSession(deps, job.epicId, reported, 'superseded: its worker was lost and the job redelivered');
      const last = await deps.store.latestInSession(job.epicId, reported);
      if (last?.git?.snapshotTree) await restoreSnapshot(repo, last.git.snapshotTree, true);
    }
    const grant = await ledger.reserve(job.convoyId, job.jobId, job.budgetShare);
    if (grant === 0) throw new UnrecoverableError('the convoy budget is spent (all of it is spent or reserved by other workers)');
    const sessions: string[] = [];
    const push = (): Promise<void> => serial(() => pushBack(clone, remote, job, reported ? [reported, ...sessions] : sessions));
    const child = spawn(process.execPath, [ORCH_BIN, 'convoy', 'worker', '--exit-with-parent'], { cwd: wt, env: { ...o.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
    children.add(child);
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify({ ...job, previousSessionId: previous, budgetShare: grant }));
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      for (const l of b.toString().split('\n')) {
        if (!l.startsWith(WORKER_SESSION_PREFIX)) continue;
        sessions.push(l.slice(WORKER_SESSION_PREFIX.length).trim());
        void pulse(sessions.at(-1) ?? null);
      }
    });
    const progressPath = progressFile(repo, job.convoyId, job.workerId);
    let lastBeat = 0;
    let lastPush = 0;
    let cancelled = false;
    const beat = setInterval(() => {
      void (async () => {
        if (!cancelled && (await redis.get(cancelKey(o.queue, bjob.id!)))) {
          cancelled = true;
          child.kill('SIGTERM'); // the session pauses after a checkpoint
        }
        const m = existsSync(progressPath) ? statSync(progressPath).mtimeMs : 0;
        if (m > lastBeat) {
          lastBeat = m;
          await bjob.updateProgress({ sessionId: sessions.at(-1) ?? reported ?? null, at: new Date(m).toISOString() });
        }
        if (sessions.length && Date.now() - lastPush > 3000) {
          lastPush = Date.now();
          await push(); // a lost worker's checkpoints must be where the next worker looks
        }
      })().catch(() => undefined);
    }, 1000);
    const end = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
    clearInterval(beat);
    children.delete(child);
    await push();
    const { report } = parseWorkerLines(out);
    await ledger.settle(job.convoyId, job.jobId, report?.costUsd ?? null);
    await serial(() => dropWorktree(clone, wt));
    if (cancelled) throw new UnrecoverableError('cancelled by the dispatcher');
    if (closing && !report?.done) {
      // Graceful shutdown: the job goes back to the queue without using up an attempt.
      await bjob.moveToWait(token);
      throw new WaitingError();
    }
    const result = report ?? { done: false, costUsd: null, summary: `the worker ended without a report (${end.signal ?? `exit ${end.code}`})`, discovered: [] };
    o.log(`job ${bjob.id}: ${job.issue.id} ${result.done ? 'done' : `not done (${result.summary})`}`);
    return { ...result, sessionIds: sessions };
  };

  const worker = new Worker<QueuedJob, QueuedResult>(o.queue, processor, {
    connection: redis,
    concurrency: o.concurrency,
    lockDuration: o.lockMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 30_000,
    // Redeliveries are capped per job (its limits), not by BullMQ's global counter.
    maxStalledCount: 1000,
  });
  worker.on('failed', (j, e) => o.log(`job ${j?.id ?? '?'} failed: ${e.message}`));
  worker.on('error', (e) => o.log(`worker error: ${e.message}`));
  return {
    warnings: check.warnings,
    async close() {
      closing = true;
      for (const c of children) c.kill('SIGTERM');
      await worker.close();
      redis.disconnect();
    },
  };
}

/** Clone once, then per job: orch's refs, the integration branch and the issue branch, and a fresh worktree. */
async function prepare(clone: string, wt: string, remote: string, job: WorkerJob): Promise<void> {
  if (!existsSync(path.join(clone, '.git'))) {
    const c = await git(path.dirname(clone), ['clone', '-q', '--no-checkout', remote, clone], { allowFail: true });
    if (c.code !== 0) throw new Error(`cannot reach the repository ${remote}: ${c.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
  const repo = await openRepo(clone);
  await syncNamespace(repo, remote, { fetch: true, push: false });
  const convoy = await new GitConvoyStore(repo, { now: () => new Date() }, { ulid: () => '' }).get(job.epicId, job.convoyId);
  if (!convoy) throw new Error(`convoy ${job.convoyId} is not in ${remote} (the dispatcher pushes it before enqueueing)`);
  const f = await git(clone, ['fetch', '-q', '--no-tags', remote, `+refs/heads/${convoy.integrationBranch}:refs/remotes/hub/${convoy.integrationBranch}`], { allowFail: true });
  if (f.code !== 0) throw new Error(`cannot fetch ${convoy.integrationBranch} from ${remote}: ${f.stderr.trim().split('\n').at(-1) ?? ''}`);
  const has = (await git(clone, ['fetch', '-q', '--no-tags', remote, `+refs/heads/${job.branch}:refs/remotes/hub/${job.branch}`], { allowFail: true })).code === 0;
  await dropWorktree(clone, wt);
  await git(clone, ['worktree', 'add', '-q', '-B', job.branch, wt, has ? `refs/remotes/hub/${job.branch}` : `refs/remotes/hub/${convoy.integrationBranch}`]);
}

async function pushBack(clone: string, remote: string, job: WorkerJob, sessions: string[]): Promise<void> {
  const refs = [`+refs/heads/${job.branch}:refs/heads/${job.branch}`, ...sessions.map((s) => `refs/orchestration/${job.epicId}/sessions/${s}:refs/orchestration/${job.epicId}/sessions/${s}`)];
  const p = await git(clone, ['push', '-q', remote, ...refs], { allowFail: true });
  if (p.code !== 0) throw new Error(`push to ${remote} failed: ${p.stderr.trim().split('\n').at(-1) ?? ''}`);
}

async function dropWorktree(clone: string, wt: string): Promise<void> {
  if (existsSync(wt)) await git(clone, ['worktree', 'remove', '--force', wt], { allowFail: true });
  await git(clone, ['worktree', 'prune'], { allowFail: true });
}
