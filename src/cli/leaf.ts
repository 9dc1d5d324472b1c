import type { Command } from 'commander';
import type { CommonOptions } from './io.ts';

/** Each command module validates its own typed options; commander hands them over as parsed. */
export type Action = (opts: never, args: string[]) => Promise<number | undefined>;

export class ExitWith extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/**
 * Add a command with --json, --cwd and --debug; its implementation module is imported only when it
 * runs (start-up stays cheap). The module exports `run(opts, args) → exit code`.
 */
export function leaf(parent: Command, spec: string, description: string, load: () => Promise<{ run: Action }>): Command {
  const cmd = parent.command(spec).description(description);
  cmd
    .option('--json', 'print the result as JSON (with schemaVersion)')
    .option('--cwd <dir>', 'run in this directory (default: the current one)')
    .option('--debug', 'print stacks on errors')
    .action(async (...raw: unknown[]) => {
      const command = raw.at(-1) as Command;
      const opts = command.opts<Record<string, unknown> & CommonOptions>();
      const { run } = await load();
      const code = await run(opts as never, command.args);
      if (code) throw new ExitWith(code);
    });
  return cmd;
}
