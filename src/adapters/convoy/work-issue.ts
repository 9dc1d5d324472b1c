import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkerExit } from '../../core/convoy/runner.ts';
import { workerTask } from '../../core/convoy/runner.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { OrchError } from '../../core/errors.ts';
import { DEFAULT_CHECKPOINT_POLICY } from '../../core/policy.ts';
import { DEFAULT_ALLOWED_TOOLS } from '../../core/run/prompt.ts';
import { runEpic } from '../../core/run/run-epic.ts';
import type { GitState } from '../../schema/checkpoint.ts';
import type { WorkerJob } from '../../schema/worker-job.ts';
import { commitSnapshot } from '../git/commit-snapshot.ts';
import { git } from '../git/git.ts';
import type { RepoInfo } from '../git/repo.ts';
import { DEFAULT_SECRET_PATTERNS, secretPathspecs } from '../git/secrets.ts';
import { createAgent, runPorts } from '../run-wiring.ts';
import { GitConvoyStore } from '../store/convoy-store.ts';
import { progressFile } from './worktrees.ts';

/** orch run's loop on one issue, in the issue's worktree (`repo`); the branch gets the work. */
export async function workIssue(o: { deps: CoreDeps; repo: RepoInfo; job: WorkerJob; stop: AbortSignal; onSession: (sessionId: string) => Promise<void> }): Promise<Omit<WorkerExit, 'code'>> {
  const { deps, repo, job } = o;
  const convoy = await new GitConvoyStore(repo, deps.clock, deps.ids).get(job.epicId, job.convoyId);
  if (!convoy) throw new OrchError('not_found', `no convoy ${job.convoyId} in epic ${job.epicId}`);
  const agent = createAgent(convoy.agent.name === 'claude' ? { name: 'claude', ...(convoy.agent.bin ? { bin: convoy.agent.bin } : {}) } : { name: 'command', command: convoy.agent.command, ...(convoy.agent.costField ? { costField: convoy.agent.costField } : {}) });
  const progress = progressFile(repo, job.convoyId, job.workerId);
  mkdirSync(path.dirname(progress), { recursive: true });
  let last = 0;
  const beat = (finished = false): void => {
    if (!finished && Date.now() - last < 500) return;
    last = Date.now();
    writeFileSync(progress, JSON.stringify({ pid: process.pid, issueId: job.issue.id, at: new Date().toISOString(), ...(finished ? { finished } : {}) }));
  };
  beat();
  // The last snapshot of the work tree: the worker's commit is made from it when it can be.
  let lastSnapshot: GitState | null = null;
  const workspace = deps.workspace;
  const tracked: CoreDeps = workspace ? { ...deps, workspace: { snapshot: async () => (lastSnapshot = await workspace.snapshot()) } } : deps;
  const report = await runEpic(runPorts({ deps: tracked, repo, agent, env: process.env, epicId: job.epicId, stop: o.stop, gates: true, onProgress: () => beat() }), {
    epicId: job.epicId,
    task: workerTask(convoy, job.issue, job.sentBack),
    maxSessions: convoy.sessionsPerAttempt,
    stallMs: 10 * 60_000,
    resumeAgent: false,
    maxConsecutiveFailures: 2,
    policy: DEFAULT_CHECKPOINT_POLICY,
    allowedTools: [...DEFAULT_ALLOWED_TOOLS],
    ...(convoy.agent.name === 'claude' && convoy.agent.model ? { model: convoy.agent.model } : {}),
    scope: { convoyId: job.convoyId, issueId: job.issue.id, workerId: job.workerId, previousSessionId: job.previousSessionId, budgetCap: job.budgetShare, onSession: o.onSession },
  });
  // The worker's branch carries its work: commit what the agent left uncommitted (never secrets).
  // Work that could not be committed (a hook refused it) is not done: merging the branch would lose it.
  const uncommitted = report.stopReason === 'done' ? await commitWork(repo, lastSnapshot, `${job.issue.id}: ${job.issue.title} (orch convoy ${job.convoyId})`, deps.clock.now()) : null;
  const done = report.stopReason === 'done' && uncommitted === null;
  beat(true);
  const costs = report.sessions.map((s) => s.costUsd);
  return {
    done,
    costUsd: costs.some((c) => c === null) ? null : costs.reduce<number>((a, c) => a + (c ?? 0), 0),
    summary: done ? 'done' : (uncommitted ?? report.sessions.at(-1)?.reason ?? report.message),
    discovered: (report.lastResultText ?? '').split('\n').filter((l) => l.startsWith('DISCOVERED:')).map((l) => l.slice('DISCOVERED:'.length).trim()).filter(Boolean),
  };
}

/** Commit the work tree on the worktree's branch (from the last snapshot when it can be); the reason when git refused. */
async function commitWork(repo: RepoInfo, lastSnapshot: GitState | null, message: string, when: Date): Promise<string | null> {
  if (lastSnapshot && (await commitSnapshot(repo, lastSnapshot, message, when)) !== null) return null;
  const excludes = secretPathspecs(DEFAULT_SECRET_PATTERNS).map((p) => p.replace(':(glob)', ':(glob,exclude)'));
  await git(repo.top, ['add', '-A', '--', '.', ...excludes]);
  const c = await git(repo.top, ['commit', '-q', '-m', message], { allowFail: true });
  if (c.code === 0 || /nothing (added )?to commit|no changes added to commit/.test(c.stdout.toString('utf8'))) return null;
  return `its work could not be committed: ${c.stderr.trim().split('\n')[0] || `git commit exited ${c.code}`}`;
}
