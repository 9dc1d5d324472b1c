import { DEFAULT_QUEUE } from '../../../adapters/engines/bullmq-shared.ts';
import type { Command } from 'commander';
import { leaf } from '../../leaf.ts';

export function registerConvoy(program: Command): void {
  const convoy = program.command('convoy').description('work many tracker issues in parallel: workers in worktrees, a merge queue, a witness');
  leaf(convoy, 'create <name> [issues...]', 'create a convoy from issue ids or --ready issues', () => import('./create.ts'))
    .requiredOption('--epic <id>', 'epic the convoy belongs to')
    .option('--ready', 'take the tracker’s ready issues')
    .option('--parent <id>', 'with --ready: only children of this issue')
    .option('--budget <usd>', 'shared budget of all workers')
    .option('--tasks <file>', 'a task file (YAML or markdown checklist) as the tracker')
    .option('--beads <workspace>', 'the beads workspace (default: this repository when it has .beads)')
    .option('--agent <name>', 'claude or command', 'claude')
    .option('--command <cmdline>', 'the agent command line for --agent command')
    .option('--cost-field <path>', 'JSON cost field for --agent command')
    .option('--model <id>', 'model for claude')
    .option('--max-attempts <n>', 'attempts per issue (sent back counts)', '3')
    .option('--max-restarts <n>', 'witness restarts per issue', '3')
    .option('--stale-minutes <m>', 'a worker without progress this long is stale', '20')
    .option('--sessions <n>', 'sessions per attempt', '2')
    .option('--require-review', 'merge an issue only after orch review passes on its branch');
  leaf(convoy, 'list', 'list convoys', () => import('./list.ts')).option('--epic <id>', 'only this epic');
  leaf(convoy, 'show <id>', 'status of each issue, attempts, cost', () => import('./show.ts')).option('--epic <id>', 'epic');
  leaf(convoy, 'cancel <id>', 'cancel a convoy', () => import('./cancel.ts')).option('--epic <id>', 'epic').option('--reason <text>', 'why');
  for (const verb of ['run', 'resume'] as const) {
    leaf(convoy, `${verb} <id>`, verb === 'run' ? 'run the convoy with N workers' : 'continue a stopped or killed convoy run', () => import('./run.ts'))
      .option('--epic <id>', 'epic')
      .option('--workers <n>', 'parallel workers', '3')
      .option('--background', 'run detached')
      .option('--poll <seconds>', 'how often the dispatcher and witness look', '1')
      .option('--engine <name>', 'where workers run: local (child processes here) or bullmq (orch worker processes on any machine)', 'local')
      .option('--redis <url>', 'Redis for the bullmq engine, e.g. redis://127.0.0.1:6379')
      .option('--remote <url|name>', 'repository the bullmq workers clone from and push to (default: origin)')
      .option('--queue <name>', 'BullMQ queue name', DEFAULT_QUEUE);
  }
  leaf(convoy, 'attach <id>', 'live view of a running convoy', () => import('./attach.ts')).option('--epic <id>', 'epic').option('--once', 'print once and exit');
  leaf(convoy, 'stop <id>', 'stop a running convoy (workers pause after a checkpoint)', () => import('./stop.ts')).option('--epic <id>', 'epic');
  leaf(convoy, 'worker', '(internal) one convoy worker: reads its job (JSON) on stdin', () => import('./worker.ts'))
    .option('--exit-with-parent', 'stop when the process that started it dies')
    .option('--serve', 'work jobs one per stdin line ({"cwd", "job"}) until stdin ends');
}
