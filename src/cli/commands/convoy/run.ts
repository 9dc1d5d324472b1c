import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { convoyPorts } from '../../../adapters/convoy/wiring.ts';
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
}

export const runnerFile = (dir: string): string => path.join(dir, 'runner.json');

/** `convoy run` and `convoy resume`: the dispatcher; everything it decides is in the convoy's journal. */
export async function run(o: Opts, [id = '']: string[]): Promise<number> {
  const workers = Number(o.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new OrchError('usage', `invalid --workers ${JSON.stringify(o.workers)}: give a whole number ≥ 1`);
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
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../bin/orch.js');
    const log = path.join(dir, 'runner.log');
    const child = spawn(process.execPath, [bin, 'convoy', 'run', convoy.id, '--workers', String(workers), '--poll', o.poll, ...(o.cwd ? ['--cwd', o.cwd] : [])], {
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
  process.on('SIGTERM', () => stop.abort());
  process.on('SIGINT', () => stop.abort());
  try {
    const ports = convoyPorts({ deps, repo, convoy, env: process.env, stop: stop.signal, pollMs: Math.max(50, Number(o.poll) * 1000), onProgress: (l) => note(l) });
    await pruneWorktrees(repo);
    const r = await runConvoy(ports, convoy.epicId, convoy.id, workers);
    output(o, r, (d) => `convoy ${convoy.id}: ${d.stoppedBy}; done ${d.done.length} (${d.done.join(', ') || '—'}), failed ${d.failed.length} (${d.failed.join(', ') || '—'}), not finished ${d.pending.length}`);
    return r.failed.length > 0 || r.stoppedBy === 'budget' ? 1 : 0;
  } finally {
    rmSync(runnerFile(dir), { force: true });
  }
}
