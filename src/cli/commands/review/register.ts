import type { Command } from 'commander';
import { leaf } from '../../leaf.ts';

/** `orch review run|dismiss` (issue 6). */
export function registerReview(program: Command): Command {
  const review = program.commands.find((c) => c.name() === 'review') ?? program.command('review').description("peer review: reviewer agents on the epic's diff");
  leaf(review, 'run', "review the epic's diff with the configured reviewers (exit 1: blocked or a reviewer failed)", () => import('./run.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .option('--base <ref>', "start of the diff (default: HEAD at the epic's first checkpoint)")
    .option('--reviewers <list>', 'comma-separated reviewers to run (default: all enabled)');
  leaf(review, 'dismiss <finding-id>', 'record that a finding is a false positive', () => import('./dismiss.ts'))
    .option('--epic <id>', 'look only in this epic')
    .option('--reason <text>', 'why it does not apply');
  return review;
}
