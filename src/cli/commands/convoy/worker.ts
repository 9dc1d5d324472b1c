import { WORKER_EXIT_PREFIX, WORKER_SESSION_PREFIX } from '../../../adapters/convoy/worker-protocol.ts';
import { workIssue } from '../../../adapters/convoy/work-issue.ts';
import { ORCH_VERSION } from '../../../adapters/orch-version.ts';
import { GitConvoyStore } from '../../../adapters/store/convoy-store.ts';
import { CONVOY_EVENT } from '../../../core/convoy/events.ts';
import { appendConvoy } from '../../../core/convoy/runner.ts';
import { OrchError } from '../../../core/errors.ts';
import { parseWorkerJob } from '../../../schema/worker-job.ts';
import { openFromOptions } from '../../context.ts';
import type { CommonOptions } from '../../io.ts';

interface Opts extends CommonOptions {
  exitWithParent?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One convoy worker, started in the issue's worktree by an engine (a local `convoy run`, or a
 * remote `orch worker`). Its job comes on stdin; its sessions and its exit report go to stdout.
 */
export async function run(o: Opts): Promise<number> {
  const job = parseWorkerJob(await readStdin(), 'the worker job on stdin');
  if (job.orchVersion !== ORCH_VERSION) throw new OrchError('usage', `this job was made by orch ${job.orchVersion}; this worker is orch ${ORCH_VERSION}`);
  const { deps, repo } = await openFromOptions(o);
  const store = new GitConvoyStore(repo, deps.clock, deps.ids);
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  process.on('SIGINT', () => stop.abort());
  if (o.exitWithParent) {
    // A remote worker killed with -9 must not leave its agent running on: a zombie would race the redelivered job.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop.abort();
    }, 500).unref();
  }
  const exit = await workIssue({
    deps,
    repo,
    job,
    stop: stop.signal,
    onSession: async (sessionId) => {
      process.stdout.write(`${WORKER_SESSION_PREFIX}${sessionId}\n`);
      // A local worker shares the dispatcher's repository: record the session in the journal at once.
      if (job.remote === null) await appendConvoy(store, job.epicId, job.convoyId, [{ type: CONVOY_EVENT.session, issueId: job.issue.id, workerId: job.workerId, orchSessionId: sessionId }]);
    },
  });
  process.stdout.write(`${WORKER_EXIT_PREFIX}${JSON.stringify(exit)}\n`);
  return 0;
}
