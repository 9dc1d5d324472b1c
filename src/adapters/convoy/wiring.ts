import type { ConvoyPorts } from '../../core/convoy/runner.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { newId } from '../../core/ports.ts';
import type { Convoy } from '../../schema/convoy.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { runProjectGates } from '../gates/project-gates.ts';
import { gitText } from '../git/git.ts';
import { openGitDeps } from '../open.ts';
import { reviewGate } from '../review/wiring.ts';
import type { RepoInfo } from '../git/repo.ts';
import { GitConvoyStore } from '../store/convoy-store.ts';
import { openTracker } from '../trackers/open.ts';
import { witnessRunning } from './witness-process.ts';
import { fenceSession } from './fence.ts';
import { LocalEngine } from '../engines/local-engine.ts';
import type { Engine, EngineSignals } from '../../core/convoy/engine.ts';
import type { ConvoyStore } from '../../core/convoy/types.ts';
import { foldConvoy, type ConvoyState } from '../../core/convoy/state.ts';
import { CONVOY_EVENT } from '../../core/convoy/events.ts';
import { appendConvoy } from '../../core/convoy/runner.ts';
import { ORCH_VERSION } from '../orch-version.ts';
import { WORKER_JOB_SCHEMA_VERSION, type WorkerJob } from '../../schema/worker-job.ts';
import { convoyDir, ensureIssueWorktree, mergeIssue, worktreePath } from './worktrees.ts';

/** The job a worker gets: everything it needs, so it never calls the tracker (only the dispatcher does). */
export function workerJob(input: Parameters<ConvoyPorts['launchWorker']>[0], remote: string | null): WorkerJob {
  const { convoy, issue } = input;
  return {
    schemaVersion: WORKER_JOB_SCHEMA_VERSION,
    jobId: `${convoy.id}.${issue.id}.${input.workerId}`,
    orchVersion: ORCH_VERSION,
    epicId: convoy.epicId,
    convoyId: convoy.id,
    workerId: input.workerId,
    attempt: input.attempt,
    budgetShare: input.budgetShare,
    previousSessionId: input.previousSessionId,
    issue: { id: issue.id, title: issue.title, description: issue.description, acceptance: issue.acceptance, notes: issue.notes },
    sentBack: input.sentBack,
    branch: `orch/${convoy.id}/${issue.id}`,
    remote,
  };
}


export interface ConvoyWiring {
  deps: CoreDeps;
  repo: RepoInfo;
  convoy: Convoy;
  env: NodeJS.ProcessEnv;
  stop: AbortSignal;
  onProgress?: (l: string) => void;
  pollMs?: number;
  /** Another engine than the local one (BullMQ); it gets the signals to record. */
  engine?: (signals: EngineSignals) => Engine;
  /** The remote that remote workers clone from and push to (BullMQ engine). */
  remote?: string;
  onMerged?: () => Promise<void>;
}

/** What the engine reports, recorded in the convoy's journal by the dispatcher. */
export function engineSignals(store: ConvoyStore, onProgress?: (l: string) => void): EngineSignals {
  return {
    async onSession(job, sessionId) {
      await appendConvoy(store, job.epicId, job.convoyId, [{ type: CONVOY_EVENT.session, issueId: job.issue.id, workerId: job.workerId, orchSessionId: sessionId }]);
    },
    async onRedelivered(job, reason) {
      onProgress?.(`${job.issue.id}: ${reason}`);
      await appendConvoy(store, job.epicId, job.convoyId, [{ type: CONVOY_EVENT.redelivered, issueId: job.issue.id, workerId: job.workerId, reason }]);
    },
  };
}

export function convoyPorts(o: ConvoyWiring): ConvoyPorts {
  const store = new GitConvoyStore(o.repo, o.deps.clock, o.deps.ids);
  const signals = engineSignals(store, o.onProgress);
  const engine =
    o.engine?.(signals) ??
    new LocalEngine({ repo: o.repo, env: o.env, signals, dir: (job) => convoyDir(o.repo, job.convoyId), worktree: (job) => ({ dir: worktreePath(o.repo, o.convoy, job.issue.id), convoy: { id: o.convoy.id, integrationBranch: o.convoy.integrationBranch, base: o.convoy.base } }), fence: (job, sessionId) => fenceSession(o.deps, job.epicId, sessionId, 'superseded: its worker was killed and the job redelivered') });
  const lastGood: { run: GateRun | null } = { run: null };
  return {
    store,
    tracker: openTracker(o.convoy.tracker, o.repo.top),
    clock: o.deps.clock,
    newWorkerId: () => newId(o.deps.ids, 'wk'),
    launchWorker: (input) => engine.submit(workerJob(input, o.remote ?? null), { maxRestarts: input.convoy.maxRestarts }),
    adopt: (input) => engine.adopt(workerJob(input, o.remote ?? null)),
    async review(convoy, issueId) {
      const dir = await ensureIssueWorktree(o.repo, convoy, issueId);
      const base = (await gitText(o.repo.top, ['rev-parse', convoy.integrationBranch])).trim();
      // The review snapshots the issue's worktree: open the store there (same refs, that work tree).
      const wt = await openGitDeps(dir);
      const g = await reviewGate(wt.deps, wt.repo, convoy.epicId, base, { env: o.env });
      return { ok: g.ok, reason: g.ok ? '' : `review blocked the merge: ${g.reason}`, sessionId: g.result.sessionId };
    },
    async merge(convoy, issueId) {
      const m = await mergeIssue(o.repo, convoy, issueId, (cwd) => runProjectGates(cwd, o.deps.clock), lastGood);
      if (m.ok) await o.onMerged?.(); // remote workers start later issues from the new integration tip
      return m;
    },
    // A standalone witness watches local workers only; remote workers' heartbeats reach the dispatcher (QueueEvents).
    externalWitness: () => Promise.resolve(!o.engine && witnessRunning(o.repo, o.convoy.id) !== null),
    fence: (sessionId) => fenceSession(o.deps, o.convoy.epicId, sessionId, 'superseded: the witness restarted this issue'),
    spent: (convoy, st) => sessionsSpent(o.deps, convoy, st),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    stop: o.stop,
    ...(o.pollMs ? { pollMs: o.pollMs } : {}),
  };
}


async function sessionsSpent(deps: CoreDeps, convoy: Convoy, st: ConvoyState): Promise<number> {
  const ids = new Set([...st.issues.values()].flatMap((i) => i.sessionIds));
  const tips = await deps.store.listSessions(convoy.epicId);
  return tips.filter((t) => ids.has(t.sessionId)).reduce((a, t) => a + t.costUsd, 0);
}

/** What the convoy's sessions have spent so far (derived from their recorded costs). */
export async function convoySpent(deps: CoreDeps, repo: RepoInfo, convoy: Convoy): Promise<number> {
  const store = new GitConvoyStore(repo, deps.clock, deps.ids);
  return sessionsSpent(deps, convoy, foldConvoy(convoy, await store.events(convoy.epicId, convoy.id)));
}
