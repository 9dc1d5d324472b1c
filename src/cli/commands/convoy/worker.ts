import path from 'node:path';
import { createInterface } from 'node:readline';
import { WORKER_EXIT_PREFIX, WORKER_SESSION_PREFIX, WORKER_TAKEN_PREFIX } from '../../../adapters/convoy/worker-protocol.ts';
import { workIssue } from '../../../adapters/convoy/work-issue.ts';
import { ORCH_VERSION } from '../../../adapters/orch-version.ts';
import { openGitDeps } from '../../../adapters/open.ts';
import { GitConvoyStore } from '../../../adapters/store/convoy-store.ts';
import { CONVOY_EVENT } from '../../../core/convoy/events.ts';
import { appendConvoy } from '../../../core/convoy/runner.ts';
import { errorLine, OrchError } from '../../../core/errors.ts';
import type { WorkerExit } from '../../../core/convoy/runner.ts';
import { ensureIssueWorktree, type ConvoyPlace } from '../../../adapters/convoy/worktrees.ts';
import { linkedWorktree, openRepo, type RepoInfo } from '../../../adapters/git/repo.ts';
import { parseWorkerJob, toWorkerJob, type WorkerJob } from '../../../schema/worker-job.ts';
import type { CommonOptions } from '../../io.ts';

interface Opts extends CommonOptions {
  exitWithParent?: boolean;
  serve?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const report = (exit: Omit<WorkerExit, 'code'>): void => void process.stdout.write(`${WORKER_EXIT_PREFIX}${JSON.stringify(exit)}\n`);

/** Work one job in `cwd` (the issue's worktree); its sessions go to stdout as they start. */
async function workJob(job: WorkerJob, cwd: string, stop: AbortSignal, worktree?: RepoInfo): Promise<Omit<WorkerExit, 'code'>> {
  if (job.orchVersion !== ORCH_VERSION) throw new OrchError('usage', `this job was made by orch ${job.orchVersion}; this worker is orch ${ORCH_VERSION}`);
  const { deps, repo } = await openGitDeps(cwd, worktree ? { repo: worktree } : {});
  const store = new GitConvoyStore(repo, deps.clock, deps.ids);
  return workIssue({
    deps,
    repo,
    job,
    stop,
    onSession: async (sessionId) => {
      process.stdout.write(`${WORKER_SESSION_PREFIX}${sessionId}\n`);
      // A local worker shares the dispatcher's repository: record the session in the journal at once.
      if (job.remote === null) await appendConvoy(store, job.epicId, job.convoyId, [{ type: CONVOY_EVENT.session, issueId: job.issue.id, workerId: job.workerId, orchSessionId: sessionId }]);
    },
  });
}

/** Make the issue's worktree (a pooled worker's job says how) and open it; throws with git's reason. */
async function prepareWorktree(main: RepoInfo, convoy: ConvoyPlace, job: WorkerJob, cwd: string): Promise<RepoInfo | undefined> {
  await ensureIssueWorktree(main, convoy, job.issue.id);
  return (await linkedWorktree(main, cwd)) ?? undefined;
}

/**
 * A convoy worker, started by an engine (a local `convoy run`, or a remote `orch worker`). One job
 * comes on stdin and is worked in the current directory; with --serve, jobs come one per line
 * (`{"cwd": <worktree>, "job": <job>}`) and are worked one after another until stdin ends, so
 * a local convoy pays Node's start-up once per worker slot, not once per issue.
 */
export async function run(o: Opts): Promise<number> {
  let current: AbortController | null = null;
  let terminating = false;
  const lines = o.serve ? createInterface({ input: process.stdin, crlfDelay: Infinity }) : null;
  // A signal during a job pauses it (after a checkpoint) and ends the worker; an idle worker ends at once.
  const onSignal = (): void => {
    terminating = true;
    if (current) current.abort();
    else lines?.close();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (o.exitWithParent) {
    // A remote worker killed with -9 must not leave its agent running on: a zombie would race the redelivered job.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) onSignal();
    }, 500).unref();
  }
  if (!lines) {
    const job = parseWorkerJob(await readStdin(), 'the worker job on stdin');
    current = new AbortController();
    report(await workJob(job, path.resolve(o.cwd ?? process.cwd()), current.signal));
    return 0;
  }
  let main: RepoInfo | null = null; // the repository this pool serves (the process starts in it)
  for await (const line of lines) {
    if (terminating) break; // a job handed over as the signal came is not taken: the pool gives it to another process
    if (!line.trim()) continue;
    const { cwd, job: raw, prepare } = JSON.parse(line) as { cwd: string; job: unknown; prepare?: ConvoyPlace };
    const job = toWorkerJob(raw, 'the worker job on stdin');
    // Taken: from here this process owns the job (before this line, the pool may give it to another).
    process.stdout.write(`${WORKER_TAKEN_PREFIX}${job.jobId}\n`);
    current = new AbortController();
    let worktree: RepoInfo | undefined;
    let exit: Omit<WorkerExit, 'code'> | null = null;
    try {
      if (prepare) worktree = await prepareWorktree((main ??= await openRepo(process.cwd())), prepare, job, cwd);
    } catch (e) {
      exit = { done: false, costUsd: null, summary: `its worktree could not be prepared: ${errorLine(e)}`, discovered: [] };
    }
    report(exit ?? (await workJob(job, cwd, current.signal, worktree)));
    current = null;
    if (terminating) break;
  }
  lines.close();
  process.stdin.destroy();
  return 0;
}
