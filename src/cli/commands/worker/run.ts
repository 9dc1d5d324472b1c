import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { startRemoteWorker } from '../../../adapters/engines/remote-worker.ts';
import { OrchError } from '../../../core/errors.ts';
import { note, type CommonOptions } from '../../io.ts';

interface Opts extends CommonOptions {
  redis: string;
  concurrency: string;
  repo?: string;
  queue: string;
  dir?: string;
  lockMs: string;
  stalledIntervalMs: string;
}

const positiveInt = (v: string, flag: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new OrchError('usage', `invalid ${flag} ${JSON.stringify(v)}: give a whole number ≥ 1`);
  return n;
};

/** `orch worker`: take convoy jobs from Redis until SIGTERM/SIGINT, then finish or hand back what runs. */
export async function run(o: Opts): Promise<number> {
  const concurrency = positiveInt(o.concurrency, '--concurrency');
  const lockMs = positiveInt(o.lockMs, '--lock-ms');
  const stalledIntervalMs = positiveInt(o.stalledIntervalMs, '--stalled-interval-ms');
  const key = createHash('sha256').update(`${o.redis}\n${o.queue}\n${o.repo ?? ''}`).digest('hex').slice(0, 12);
  const dir = path.resolve(o.dir ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'orch', 'workers', key));
  const w = await startRemoteWorker({
    redisUrl: o.redis,
    queue: o.queue,
    concurrency,
    dir,
    ...(o.repo ? { repo: o.repo } : {}),
    env: process.env,
    log: (l) => note(l),
    lockMs,
    stalledIntervalMs,
  });
  for (const warning of w.warnings) note(`warning: ${warning}`);
  note(`orch worker: taking jobs from queue ${o.queue} (concurrency ${concurrency}); clone and worktrees in ${dir}; stop with SIGTERM or Ctrl-C`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  note('orch worker: stopping; jobs that are still running pause after a checkpoint and go back to the queue');
  await w.close();
  return 0;
}
