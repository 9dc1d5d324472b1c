import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ORCH_BIN } from '../../../adapters/package-root.ts';
import { openTracker } from '../../../adapters/trackers/open.ts';
import { witnessFile, witnessPass, witnessRunning } from '../../../adapters/convoy/witness-process.ts';
import { CONVOY_EVENT } from '../../../core/convoy/events.ts';
import { convoyDir } from '../../../adapters/convoy/worktrees.ts';
import { writeJsonAtomic } from '../../../adapters/run-state.ts';
import { findConvoy } from '../../../core/convoy/create.ts';
import { appendConvoy } from '../../../core/convoy/runner.ts';
import { OrchError } from '../../../core/errors.ts';
import { note, output, type CommonOptions } from '../../io.ts';
import { openConvoys } from '../convoy/common.ts';

interface Opts extends CommonOptions {
  epic?: string;
  staleThreshold?: string;
  pollInterval: string;
  maxRestarts?: string;
  foreground?: boolean;
}

const positive = (flag: string, v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new OrchError('usage', `invalid ${flag} ${JSON.stringify(v)}: give a number > 0`);
  return n;
};

/** Start the witness of a convoy in the background (pid file); its settings persist in the convoy. */
export async function run(o: Opts, [id = '']: string[]): Promise<number> {
  const { deps, repo, convoys } = await openConvoys(o);
  let convoy = await findConvoy(convoys, id, o.epic);
  const poll = positive('--poll-interval', o.pollInterval);
  const stale = o.staleThreshold === undefined ? undefined : positive('--stale-threshold', o.staleThreshold);
  const restarts = o.maxRestarts === undefined ? undefined : Math.floor(positive('--max-restarts', o.maxRestarts));
  if (!o.foreground) {
    const running = witnessRunning(repo, convoy.id);
    if (running) throw new OrchError('lock_held', `the witness of convoy ${convoy.id} already runs (pid ${running.pid})`, { hint: `orch witness stop ${convoy.id}` });
    if (stale !== undefined || restarts !== undefined) {
      convoy = await appendConvoy(convoys, convoy.epicId, convoy.id, [{ type: CONVOY_EVENT.witnessConfig, staleMinutes: stale ?? convoy.staleMinutes, maxRestarts: restarts ?? convoy.maxRestarts }], (c) => ({
        ...c,
        staleMinutes: stale ?? c.staleMinutes,
        maxRestarts: restarts ?? c.maxRestarts,
      }));
    }
    mkdirSync(convoyDir(repo, convoy.id), { recursive: true });
    const log = path.join(convoyDir(repo, convoy.id), 'witness.log');
    const child = spawn(process.execPath, [ORCH_BIN, 'witness', 'start', convoy.id, '--foreground', '--poll-interval', String(poll), ...(o.cwd ? ['--cwd', o.cwd] : [])], {
      cwd: o.cwd ?? process.cwd(),
      detached: true,
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
    });
    child.unref();
    writeJsonAtomic(witnessFile(repo, convoy.id), { pid: child.pid, startedAt: new Date().toISOString(), pollSeconds: poll });
    output(o, { convoy: convoy.id, pid: child.pid, staleMinutes: convoy.staleMinutes, maxRestarts: convoy.maxRestarts, log }, (d) => `witness of convoy ${d.convoy} started (pid ${d.pid}): stale after ${d.staleMinutes} min, at most ${d.maxRestarts} restart(s) per issue\nlog: ${d.log}`);
    return 0;
  }
  writeJsonAtomic(witnessFile(repo, convoy.id), { pid: process.pid, startedAt: new Date().toISOString(), pollSeconds: poll });
  let stop = false;
  process.on('SIGTERM', () => (stop = true));
  const tracker = openTracker(convoy.tracker, repo.top);
  try {
    while (!stop) {
      const r = await witnessPass(repo, convoys, tracker, deps.clock, convoy.id, convoy.epicId);
      for (const a of r.acted) note(`${new Date().toISOString()} ${a}`);
      if (r.finished) break;
      await new Promise((res) => setTimeout(res, poll * 1000));
    }
  } finally {
    rmSync(witnessFile(repo, convoy.id), { force: true });
  }
  return 0;
}
