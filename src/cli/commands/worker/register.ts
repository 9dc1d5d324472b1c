import type { Command } from 'commander';
import { DEFAULT_QUEUE } from '../../../adapters/engines/bullmq-shared.ts';
import { leaf } from '../../leaf.ts';

export function registerWorker(program: Command): void {
  leaf(program, 'worker', 'take convoy jobs from Redis (BullMQ) on this machine: clone, work the issue in a worktree, push back', () => import('./run.ts'))
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--concurrency <n>', 'jobs worked at once', '1')
    .option('--repo <url-or-path>', 'clone from here instead of the address each job names')
    .option('--queue <name>', 'BullMQ queue name', DEFAULT_QUEUE)
    .option('--dir <path>', 'where the clone and job worktrees live (default: a cache dir per Redis, queue and repo)')
    .option('--lock-ms <ms>', "job lock: renewed every half of it; a worker silent this long is taken as lost and its job redelivered", '30000')
    .option('--stalled-interval-ms <ms>', 'how often this worker looks for lost jobs to redeliver', '30000');
}
