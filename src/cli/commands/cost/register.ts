import { Option, type Command } from 'commander';
import { leaf } from '../../leaf.ts';

/** `orch cost status|report|budget` (cost scan is registered by its own module). */
export function registerCost(program: Command): Command {
  const cost = program.commands.find((c) => c.name() === 'cost') ?? program.command('cost').description('spend and budget of an epic');
  leaf(cost, 'status', 'spent, budget, remaining and the cost of each session', () => import('./status.ts')).requiredOption('--epic <id>', 'epic id');
  leaf(cost, 'report', 'spend per session and per model (unknown amounts shown as unknown)', () => import('./report.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']));
  leaf(cost, 'budget <amount>', "set the epic's budget, USD", () => import('./budget.ts')).requiredOption('--epic <id>', 'epic id');
  return cost;
}
