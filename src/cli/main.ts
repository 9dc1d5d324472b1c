import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '../core/errors.ts';
import { registerBriefAndNote } from './commands/brief-register.ts';
import { registerConvoy } from './commands/convoy/register.ts';
import { registerCost } from './commands/cost/register.ts';
import { registerWitness } from './commands/witness/register.ts';
import { registerHooks } from './commands/hooks/register.ts';
import { registerReview } from './commands/review/register.ts';
import { registerLearning } from './commands/learning/register.ts';
import { registerWorker } from './commands/worker/register.ts';
import { ORCH_VERSION } from '../adapters/orch-version.ts';
import { reportError } from './io.ts';
import { ExitWith, leaf } from './leaf.ts';

/** Each command module validates its own typed options; commander hands them over as parsed. */
/** Options shared by `orch run` and `orch session start --run`. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--budget <usd>', 'set or raise the epic budget, USD')
    .option('--agent <name>', 'claude or command', 'claude')
    .option('--command <cmdline>', 'the agent command line for --agent command (prompt on stdin)')
    .option('--cost-field <path>', 'for --agent command: JSON field with the cost in USD, e.g. usage.cost_usd')
    .option('--max-sessions <k>', 'stop after this many sessions', '5')
    .option('--session-timeout <minutes>', 'kill a session that runs longer')
    .option('--stall-timeout <minutes>', 'kill a session whose agent prints nothing for this long', '10')
    .option('--resume-agent', "continue the agent's own conversation instead of a fresh one with the brief")
    .option('--background', 'run detached; watch with session status, stop with session stop')
    .option('--max-failures <k>', 'stop after this many failed sessions in a row', '3')
    .option('--checkpoint-interval <minutes>', 'checkpoint a running session this often', '15')
    .option('--max-turns <n>', "cap the agent's turns per session")
    .option('--model <id>', 'model for the agent')
    .option('--allowed-tools <list>', 'comma-separated tools the agent may use')
    .option('--no-gates', 'do not run the quality gates before and after each session')
    .option('--review-every <n>', 'run orch review after every N sessions; a blocking finding keeps the task from being done');
}

export function buildProgram(): Command {
  const program = new Command('orch')
    .description('Multi-session orchestration for AI coding agents: checkpoints in git, measured cost, budgets, resume briefs.')
    .version(ORCH_VERSION)
    .showHelpAfterError(false)
    .exitOverride();

  const session = program.command('session').description('start, pause, resume and complete sessions of an epic');
  leaf(session, 'start', 'start a session (or resume the newest with --resume)', () => import('./commands/session/start.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .option('--budget <usd>', 'set or raise the epic budget, USD')
    .option('--resume', 'continue from the newest session (carries its context and prints the brief)')
    .option('--goal <text>', 'the epic goal (kept in the epic record)')
    .option('--task <text>', 'what this session works on')
    .option('--run <task>', 'drive the agent on this task (same as orch run)')
    .option('--no-gates', 'do not run the quality gates for the baseline');
  leaf(session, 'stop', 'stop a running orch run after a final checkpoint', () => import('./commands/session/stop.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .option('--wait <seconds>', 'how long to wait for it to stop', '60');
  leaf(session, 'status', 'show the epic, its budget and its newest session', () => import('./commands/session/status.ts')).requiredOption('--epic <id>', 'epic id');
  leaf(session, 'pause', 'pause the running session with a checkpoint', () => import('./commands/session/pause.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .requiredOption('--reason <text>', 'why');
  leaf(session, 'list', 'list checkpoints, newest first', () => import('./commands/session/list.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .option('--limit <n>', 'at most this many', '20')
    .option('--session <id>', 'only this session');
  leaf(session, 'complete', 'complete the newest session', () => import('./commands/session/complete.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .addOption(new Option('--outcome <outcome>', 'how it ended').choices(['success', 'partial', 'failure']).makeOptionMandatory())
    .option('--reason <text>', 'a note on the outcome')
    .option('--force', 'complete as a success even though a required gate regressed (recorded)')
    .option('--no-gates', 'do not run the quality gates');

  addRunOptions(
    leaf(program, 'run <task>', 'drive an agent on a task across sessions: brief, checkpoints, budget, resume', () => import('./commands/run.ts')).requiredOption('--epic <id>', 'epic id'),
  );

  const gates = program.command('gates').description('the project quality gates (tests, typecheck, lint, build)');
  leaf(gates, 'run', 'detect and run the gates now', () => import('./commands/gates/run.ts'));

  leaf(program, 'demo', 'see orch work end to end: the real Claude Code against a local scripted model, no API key', () => import('./commands/demo.ts'));

  const checkpoint = program.command('checkpoint').description('inspect and restore checkpoints');
  leaf(checkpoint, 'show <id>', 'show one checkpoint (id or unique prefix)', () => import('./commands/checkpoint/show.ts')).option('--epic <id>', 'look only in this epic');
  leaf(checkpoint, 'restore <id>', "write a checkpoint's snapshot files back into the working tree", () => import('./commands/checkpoint/restore.ts'))
    .option('--epic <id>', 'look only in this epic')
    .option('--force', 'overwrite files with local changes');

  leaf(program, 'sync [remote]', 'push and fetch refs/orchestration/* (default remote: origin)', () => import('./commands/sync.ts'))
    .option('--push-only', 'only push')
    .option('--fetch-only', 'only fetch');

  registerConvoy(program);
  registerWitness(program);
  registerBriefAndNote(program);
  registerCost(program);
  registerHooks(program);
  registerReview(program);
  registerLearning(program);

  registerWorker(program);
  return program;
}

/** Run the CLI; returns the exit code (only bin/orch.js touches process.exitCode). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ExitWith) return e.code;
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage; // commander already printed the one-line message
    }
    return reportError(e, { debug, json });
  }
}
