import type { Command } from 'commander';
import { leaf } from '../../leaf.ts';

export function registerWitness(program: Command): void {
  const w = program.command('witness').description('watch a convoy’s workers: restart stale ones from their last checkpoint');
  leaf(w, 'start <convoy>', 'start the witness in the background', () => import('./start.ts'))
    .option('--epic <id>', 'epic')
    .option('--stale-threshold <minutes>', 'no progress for this long = stale (persists)')
    .option('--max-restarts <n>', 'restarts per issue before it fails (persists)')
    .option('--poll-interval <seconds>', 'how often to look', '30')
    .option('--foreground', '(internal) run in this process');
  leaf(w, 'status <convoy>', 'is it running; its settings and actions', () => import('./status.ts')).option('--epic <id>', 'epic');
  leaf(w, 'stop <convoy>', 'stop the witness', () => import('./stop.ts')).option('--epic <id>', 'epic');
}
