import { spawn } from 'node:child_process';
import { mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConvoyPorts, RunningWorker, WorkerExit } from '../../core/convoy/runner.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { newId } from '../../core/ports.ts';
import { writeCheckpoint } from '../../core/session/checkpoint.ts';
import { isLive } from '../../core/session/lifecycle.ts';
import { sessionFromCheckpoint } from '../../core/session/load.ts';
import type { Tracker } from '../../core/tracker/types.ts';
import type { Convoy, TrackerRef } from '../../schema/convoy.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { runProjectGates } from '../gates/project-gates.ts';
import { gitText } from '../git/git.ts';
import { openGitDeps } from '../open.ts';
import { reviewGate } from '../review/wiring.ts';
import type { RepoInfo } from '../git/repo.ts';
import { groupAlive, stopGroup } from '../process/run.ts';
import { GitConvoyStore } from '../store/convoy-store.ts';
import { BeadsTracker } from '../trackers/beads.ts';
import { TaskFileTracker } from '../trackers/task-file.ts';
import { witnessRunning } from './witness-process.ts';
import { ORCH_VERSION } from '../orch-version.ts';
import { WORKER_JOB_SCHEMA_VERSION, type WorkerJob } from '../../schema/worker-job.ts';
import { convoyDir, ensureIssueWorktree, mergeIssue } from './worktrees.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/orch.js');
export const WORKER_EXIT_PREFIX = 'orch-worker-exit ';
export const WORKER_SESSION_PREFIX = 'orch-worker-session ';

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

export function openTracker(ref: TrackerRef, cwd: string): Tracker {
  switch (ref.kind) {
    case 'beads':
      return new BeadsTracker({ workspace: path.resolve(cwd, ref.workspace), ...(ref.bin ? { bin: ref.bin } : {}) });
    case 'task-file':
      return new TaskFileTracker({ path: path.resolve(cwd, ref.path) });
  }
}

export const progressFile = (repo: RepoInfo, convoyId: string, workerId: string): string => path.join(convoyDir(repo, convoyId), 'workers', `${workerId}.json`);

/** A worker is a child process (`orch convoy worker …`) in its own worktree and process group. */
function launch(repo: RepoInfo, env: NodeJS.ProcessEnv, input: Parameters<ConvoyPorts['launchWorker']>[0], cwd: string): RunningWorker {
  const { convoy, issue, workerId } = input;
  const logs = path.join(convoyDir(repo, convoy.id), 'logs');
  mkdirSync(logs, { recursive: true });
  const log = openSync(path.join(logs, `${issue.id}-${workerId}.log`), 'a');
  const child = spawn(process.execPath, [BIN, 'convoy', 'worker'], { cwd, env: { ...env, NO_COLOR: '1' }, detached: true, stdio: ['pipe', 'pipe', log] });
  child.stdin?.end(JSON.stringify(workerJob(input, null)));
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const pid = child.pid ?? -1;
  const started = new Date();
  const exited = new Promise<WorkerExit>((resolve) => {
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(WORKER_EXIT_PREFIX));
      const parsed = line ? (JSON.parse(line.slice(WORKER_EXIT_PREFIX.length)) as Omit<WorkerExit, 'code'>) : null;
      resolve({ code: code ?? 137, done: parsed?.done ?? false, costUsd: parsed?.costUsd ?? null, summary: parsed?.summary ?? `the worker ended without a report (exit ${code ?? 'signal'})`, discovered: parsed?.discovered ?? [] });
    });
  });
  return {
    workerId,
    issueId: issue.id,
    pid,
    exited,
    lastProgress: () => {
      try {
        return statSync(progressFile(repo, convoy.id, workerId)).mtime;
      } catch {
        return started;
      }
    },
    alive: () => groupAlive(pid),
    stop: () => stopGroup(pid, 2000, ['SIGTERM', 'SIGKILL']),
  };
}

export function convoyPorts(o: { deps: CoreDeps; repo: RepoInfo; convoy: Convoy; env: NodeJS.ProcessEnv; stop: AbortSignal; onProgress?: (l: string) => void; pollMs?: number }): ConvoyPorts {
  const store = new GitConvoyStore(o.repo, o.deps.clock, o.deps.ids);
  const lastGood: { run: GateRun | null } = { run: null };
  return {
    store,
    tracker: openTracker(o.convoy.tracker, o.repo.top),
    clock: o.deps.clock,
    newWorkerId: () => newId(o.deps.ids, 'wk'),
    async launchWorker(input) {
      const cwd = await ensureIssueWorktree(o.repo, input.convoy, input.issue.id);
      return launch(o.repo, o.env, input, cwd);
    },
    async review(convoy, issueId) {
      const dir = await ensureIssueWorktree(o.repo, convoy, issueId);
      const base = (await gitText(o.repo.top, ['rev-parse', convoy.integrationBranch])).trim();
      // The review snapshots the issue's worktree: open the store there (same refs, that work tree).
      const wt = await openGitDeps(dir);
      const g = await reviewGate(wt.deps, wt.repo, convoy.epicId, base, { env: o.env });
      return { ok: g.ok, reason: g.ok ? '' : `review blocked the merge: ${g.reason}` };
    },
    merge: (convoy, issueId) => mergeIssue(o.repo, convoy, issueId, (cwd) => runProjectGates(cwd, o.deps.clock), lastGood),
    externalWitness: () => Promise.resolve(witnessRunning(o.repo, o.convoy.id) !== null),
    async fence(sessionId) {
      const c = await o.deps.store.latestInSession(o.convoy.epicId, sessionId);
      if (!c || !isLive(c.status)) return;
      await writeCheckpoint(o.deps, sessionFromCheckpoint(c, c.createdAt), c.context, {
        trigger: 'interrupted',
        reason: 'superseded: the witness restarted this issue',
        status: 'interrupted',
        snapshot: false,
        events: [{ type: 'session.interrupted', reason: 'superseded by a restart' }],
      }).catch(() => undefined); // the zombie moved it first: it is fenced either way
    },
    async spent(_convoy, st) {
      const ids = new Set([...st.issues.values()].flatMap((i) => i.sessionIds));
      const tips = await o.deps.store.listSessions(o.convoy.epicId);
      return tips.filter((t) => ids.has(t.sessionId)).reduce((a, t) => a + t.costUsd, 0);
    },
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    stop: o.stop,
    ...(o.pollMs ? { pollMs: o.pollMs } : {}),
  };
}

