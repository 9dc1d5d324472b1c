import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Engine, EngineSignals } from '../../core/convoy/engine.ts';
import { OrchError } from '../../core/errors.ts';
import type { Convoy } from '../../schema/convoy.ts';
import type { WorkerJob } from '../../schema/worker-job.ts';
import { ensureIntegration, worktreePath } from '../convoy/worktrees.ts';
import { git, gitText } from '../git/git.ts';
import type { RepoInfo } from '../git/repo.ts';
import { syncNamespace } from '../git/sync.ts';
import { BudgetLedger } from './budget-ledger.ts';
import { BullmqEngine } from './bullmq-engine.ts';
import { connectRedis } from './redis.ts';
import { versionKey } from './bullmq-shared.ts';
import { ORCH_VERSION } from '../orch-version.ts';

/** A remote name means nothing on another machine: jobs carry its URL (a local path made absolute). */
export async function remoteAddress(repo: RepoInfo, remote: string | undefined): Promise<string> {
  const names = (await gitText(repo.top, ['remote'])).split('\n').filter(Boolean);
  const name = remote ?? (names.includes('origin') ? 'origin' : undefined);
  if (name === undefined) throw new OrchError('usage', 'the BullMQ engine needs a repository the workers can reach', { hint: 'pass --remote <url|name> (a bare repository on a shared path or a git server), or add an origin' });
  const url = names.includes(name) ? (await gitText(repo.top, ['remote', 'get-url', name])).trim() : name;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^:]+:/.test(url)) return url;
  const abs = path.resolve(repo.top, url); // a path (relative to the repository) works on every machine that shares it
  if (names.includes(name)) return abs;
  if (!existsSync(abs)) throw new OrchError('not_found', `no remote named ${JSON.stringify(name)} and no repository at ${abs}`);
  return abs;
}

/**
 * Everything the dispatcher needs to run a convoy on BullMQ: Redis checked before anything is
 * enqueued, the convoy and its integration branch pushed where the workers fetch, the budget
 * ledger opened, and each finished job's branch and sessions fetched back for the merge queue.
 */
export async function openBullmqDispatch(o: { repo: RepoInfo; convoy: Convoy; redisUrl: string; remote: string | undefined; queue: string; spentSoFar: number; pollMs?: number }): Promise<{
  engine: (signals: EngineSignals) => Engine;
  remote: string;
  warnings: string[];
  publish: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const remote = await remoteAddress(o.repo, o.remote);
  const { redis, check } = await connectRedis(o.redisUrl);
  // One fetch per finished job: its branch and the sessions it ran (only that worker wrote them).
  const collect = async (job: WorkerJob, sessionIds: string[]): Promise<void> => {
    const sessions = sessionIds.map((id) => `refs/orchestration/${job.epicId}/sessions/${id}:refs/orchestration/${job.epicId}/sessions/${id}`);
    const branch = `+refs/heads/${job.branch}:refs/orch-hub/${job.branch}`;
    let f = await git(o.repo.top, ['fetch', '-q', '--no-tags', '--no-write-fetch-head', remote, branch, ...sessions], { allowFail: true });
    if (f.code !== 0 && sessions.length) {
      // A session a lost worker reported but never pushed: take the branch, and whatever sessions are there.
      f = await git(o.repo.top, ['fetch', '-q', '--no-tags', '--no-write-fetch-head', remote, branch], { allowFail: true });
      if (f.code === 0) await syncNamespace(o.repo, remote, { fetch: true, push: false });
    }
    if (f.code !== 0) throw new OrchError('git_failed', `cannot fetch ${job.branch} from ${remote}: ${f.stderr.trim().split('\n').at(-1) ?? ''}`);
    const sha = (await gitText(o.repo.top, ['rev-parse', `refs/orch-hub/${job.branch}`])).trim();
    // update-ref, not fetch: the branch may be checked out in the review's worktree, which follows.
    await git(o.repo.top, ['update-ref', `refs/heads/${job.branch}`, sha]);
    const wt = worktreePath(o.repo, o.convoy, job.issue.id);
    if (existsSync(wt)) await git(wt, ['reset', '-q', '--hard', sha], { allowFail: true });
  };
  // After a merge, workers only need the new integration tip.
  const pushIntegration = async (): Promise<void> => {
    const p = await git(o.repo.top, ['push', '-q', remote, `+refs/heads/${o.convoy.integrationBranch}:refs/heads/${o.convoy.integrationBranch}`], { allowFail: true });
    if (p.code !== 0) throw new OrchError('git_failed', `cannot push ${o.convoy.integrationBranch} to ${remote}: ${p.stderr.trim().split('\n').at(-1) ?? ''}`, { hint: 'the workers fetch from this remote: check the address and access' });
  };
  const publish = async (): Promise<void> => {
    await ensureIntegration(o.repo, o.convoy);
    await pushIntegration();
    await syncNamespace(o.repo, remote, { fetch: true, push: true });
  };
  try {
    await publish();
    await new BudgetLedger(redis, o.queue).open(o.convoy.id, o.convoy.budget, o.spentSoFar);
    await redis.set(versionKey(o.queue), ORCH_VERSION); // workers of another version refuse to start
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  let engine: BullmqEngine | null = null;
  return {
    remote,
    warnings: check.warnings,
    engine: (signals) => {
      engine = new BullmqEngine({ redis, queue: o.queue, signals, collect, ...(o.pollMs ? { pollMs: o.pollMs } : {}) });
      return engine;
    },
    publish: pushIntegration,
    async close() {
      await engine?.close();
      redis.disconnect();
    },
  };
}
