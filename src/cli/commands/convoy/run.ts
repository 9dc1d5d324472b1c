import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ORCH_BIN } from '../../../adapters/package-root.ts';
import { convoyPorts, convoySpent } from '../../../adapters/convoy/wiring.ts';
import { openBullmqDispatch } from '../../../adapters/engines/bullmq-dispatch.ts';
import { convoyDir, pruneWorktrees } from '../../../adapters/convoy/worktrees.ts';
import { pidAlive, readLiveAt, writeJsonAtomic } from '../../../adapters/run-state.ts';
import { findConvoy } from '../../../core/convoy/create.ts';
import { runConvoy } from '../../../core/convoy/run-convoy.ts';
import { OrchError } from '../../../core/errors.ts';
import { note, output, type CommonOptions } from '../../io.ts';
import { openConvoys } from './common.ts';

interface Opts extends CommonOptions {
  epic?: string;
  workers: string;
  background?: boolean;
  poll: string;
  engine: string;
  redis?: string;
  remote?: string;
  queue: string;
}

export const runnerFile = (dir: string): string => path.join(dir, 'runner.json');

/** `convoy run` and `convoy resume`: the dispatcher; everything it decides is in the convoy's journal. */
export async function run(o: Opts, [id = '']: string[]): Promise<number> {
  const workers = Number(o.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new OrchError('usage', `invalid --workers ${JSON.stringify(o.workers)}: give a whole number ≥ 1`);
  if (o.engine !== 'local' && o.engine !== 'bullmq') throw new OrchError('usage', `invalid --engine ${JSON.stringify(o.engine)}: local or bullmq`);
  if (o.engine === 'bullmq' && !o.redis) throw new OrchError('usage', '--engine bullmq needs --redis <url>', { hint: 'e.g. --redis redis://127.0.0.1:6379' });
  if (o.engine === 'local' && (o.redis || o.remote)) throw new OrchError('usage', '--redis and --remote are for --engine bullmq');
  const { deps, repo, convoys } = await openConvoys(o);
  const convoy = await findConvoy(convoys, id, o.epic);
  if (convoy.cancelled) throw new OrchError('illegal_transition', `convoy ${convoy.id} was cancelled`);
  const dir = convoyDir(repo, convoy.id);
  mkdirSync(dir, { recursive: true });
  const other = readLiveAt(runnerFile(dir)) as { pid?: number } | null;
  if (other?.pid && other.pid !== process.pid && pidAlive(other.pid)) {
    throw new OrchError('lock_held', `convoy ${convoy.id} is already being run (pid ${other.pid})`, { hint: `watch it with orch convoy attach ${convoy.id}; stop it with orch convoy stop ${convoy.id}` });
  }
  if (o.background) {
    const log = path.join(dir, 'runner.log');
    const engineArgs = o.engine === 'bullmq' ? ['--engine', 'bullmq', '--redis', o.redis!, '--queue', o.queue, ...(o.remote ? ['--remote', o.remote] : [])] : [];
    const child = spawn(process.execPath, [ORCH_BIN, 'convoy', 'run', convoy.id, '--workers', String(workers), '--poll', o.poll, ...engineArgs, ...(o.cwd ? ['--cwd', o.cwd] : [])], {
      cwd: o.cwd ?? process.cwd(),
      detached: true,
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
    });
    child.unref();
    output(o, { background: true, pid: child.pid, log }, (d) => `convoy ${convoy.id} runs in the background (pid ${d.pid}); log: ${d.log}\nwatch: orch convoy attach ${convoy.id}`);
    return 0;
  }
  writeJsonAtomic(runnerFile(dir), { pid: process.pid, startedAt: new Date().toISOString(), workers });
  const stop = new AbortController();
  // First signal: stop the workers cleanly (they pause after a checkpoint). Second: leave now;
  // everything decided is in the journal, and `convoy resume` takes over what still runs.
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!stop.signal.aborted) return stop.abort();
    note(`convoy ${convoy.id}: ${sig} again, leaving without waiting for the workers; resume with orch convoy resume ${convoy.id}`);
    rmSync(runnerFile(dir), { force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const pollMs = Math.max(50, Number(o.poll) * 1000);
  let remoteEngine: Awaited<ReturnType<typeof openBullmqDispatch>> | null = null;
  try {
    if (o.engine === 'bullmq') {
      // Redis and the remote are checked, and the convoy published, before anything is enqueued.
      remoteEngine = await openBullmqDispatch({ repo, convoy, redisUrl: o.redis!, remote: o.remote, queue: o.queue, spentSoFar: await convoySpent(deps, repo, convoy), pollMs });
      for (const w of remoteEngine.warnings) note(`warning: ${w}`);
      note(`convoy ${convoy.id}: jobs go to queue ${o.queue}; workers fetch from ${remoteEngine.remote}`);
    }
    const ports = convoyPorts({
      deps,
      repo,
      convoy,
      env: process.env,
      stop: stop.signal,
      pollMs,
      onProgress: (l) => note(l),
      ...(remoteEngine ? { engine: remoteEngine.engine, remote: remoteEngine.remote, onMerged: remoteEngine.publish } : {}),
    });
    await pruneWorktrees(repo);
    const r = await runConvoy(ports, convoy.epicId, convoy.id, workers);
    output(o, r, (d) => `convoy ${convoy.id}: ${d.stoppedBy}; done ${d.done.length} (${d.done.join(', ') || '—'}), failed ${d.failed.length} (${d.failed.join(', ') || '—'}), not finished ${d.pending.length}`);
    return r.failed.length > 0 || r.stoppedBy === 'budget' ? 1 : 0;
  } finally {
    await remoteEngine?.close();
    rmSync(runnerFile(dir), { force: true });
  }
}
