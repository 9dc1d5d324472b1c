import { Option, type Command } from 'commander';
import { leaf } from '../../leaf.ts';

/** `orch cost status|report|budget|scan`. */
export function registerCost(program: Command): Command {
  const cost = program.commands.find((c) => c.name() === 'cost') ?? program.command('cost').description('spend and budget of an epic');
  leaf(cost, 'status', 'spent, budget, remaining and the cost of each session', () => import('./status.ts')).requiredOption('--epic <id>', 'epic id');
  leaf(cost, 'report', 'spend per session and per model (unknown amounts shown as unknown)', () => import('./report.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']));
  leaf(cost, 'budget <amount>', "set the epic's budget, USD", () => import('./budget.ts')).requiredOption('--epic <id>', 'epic id');
  leaf(cost, 'scan', 'spend over Claude Code transcripts: daily, per session, per project (no repository needed)', () => import('./scan.ts'))
    .option('--since <date>', 'from this day (YYYY-MM-DD or YYYYMMDD)')
    .option('--until <date>', 'to this day')
    .option('--dir <projects...>', 'transcript directories (default: $CLAUDE_CONFIG_DIR/projects, ~/.claude/projects, ~/.config/claude/projects)')
    .option('--mode <mode>', 'auto (cost on the line wins), calculate (always price tokens), display', 'auto')
    .option('--tz <zone>', 'time zone for days (default: this machine’s)');
  return cost;
}
