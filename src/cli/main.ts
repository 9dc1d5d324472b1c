import { Command, CommanderError, Option } from 'commander';
import { EXIT, OrchError } from '../core/errors.ts';
import { reportError, type CommonOptions } from './io.ts';

/** Each command module validates its own typed options; commander hands them over as parsed. */
type Action = (opts: never, args: string[]) => Promise<number | undefined>;

/** Every command gets --json, --cwd and --debug; its implementation is imported only when it runs. */
function leaf(parent: Command, spec: string, description: string, load: () => Promise<{ run: Action }>): Command {
  const cmd = parent.command(spec).description(description);
  cmd
    .option('--json', 'print the result as JSON (with schemaVersion)')
    .option('--cwd <dir>', 'run in this directory (default: the current one)')
    .option('--debug', 'print stacks on errors')
    .action(async (...raw: unknown[]) => {
      const command = raw.at(-1) as Command;
      const opts = command.opts<Record<string, unknown> & CommonOptions>();
      const args = command.args;
      const { run } = await load();
      const code = await run(opts as never, args);
      if (code) throw new ExitWith(code);
    });
  return cmd;
}

class ExitWith extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** Verbs of the seed that this version does not have yet: say so plainly and exit non-zero. */
function notBuilt(parent: Command, name: string, issue: string): void {
  parent
    .command(name, { hidden: false })
    .description(`(not built yet: ${issue})`)
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(() => {
      throw new OrchError('not_built', `orch ${parent.name() === 'orch' ? '' : `${parent.name()} `}${name} is not built yet in this version`, {
        hint: `it is planned (${issue}); see README.md for what works today`,
      });
    });
}

export function buildProgram(): Command {
  const program = new Command('orch')
    .description('Multi-session orchestration for AI coding agents: checkpoints in git, measured cost, budgets, resume briefs.')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride();

  const session = program.command('session').description('start, pause, resume and complete sessions of an epic');
  leaf(session, 'start', 'start a session (or resume the newest with --resume)', () => import('./commands/session/start.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .option('--budget <usd>', 'set or raise the epic budget, USD')
    .option('--resume', 'continue from the newest session (carries its context and prints the brief)')
    .option('--goal <text>', 'the epic goal (kept in the epic record)')
    .option('--task <text>', 'what this session works on');
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
    .option('--reason <text>', 'a note on the outcome');

  const checkpoint = program.command('checkpoint').description('inspect and restore checkpoints');
  leaf(checkpoint, 'show <id>', 'show one checkpoint (id or unique prefix)', () => import('./commands/checkpoint/show.ts')).option('--epic <id>', 'look only in this epic');
  leaf(checkpoint, 'restore <id>', "write a checkpoint's snapshot files back into the working tree", () => import('./commands/checkpoint/restore.ts'))
    .option('--epic <id>', 'look only in this epic')
    .option('--force', 'overwrite files with local changes');

  leaf(program, 'sync [remote]', 'push and fetch refs/orchestration/* (default remote: origin)', () => import('./commands/sync.ts'))
    .option('--push-only', 'only push')
    .option('--fetch-only', 'only fetch');

  for (const [name, issue] of [
    ['convoy', 'convoys, issue 5'],
    ['witness', 'witness, issue 5'],
    ['worker', 'remote workers, issue 8'],
    ['review', 'peer review, issue 6'],
    ['reflect', 'reflection, issue 7'],
    ['postmortem', 'postmortems, issue 7'],
    ['metrics', 'metrics, issue 7'],
  ] as const) {
    notBuilt(program, name, issue);
  }
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
