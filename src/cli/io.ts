import pc from 'picocolors';
import { EXIT, OrchError, errorLine, isOrchError } from '../core/errors.ts';

export interface CommonOptions {
  json?: boolean;
  cwd?: string;
  debug?: boolean;
}

export const SCHEMA_VERSION = 1;

/** Print a result: the JSON document under --json, the rendered text otherwise. */
export function output<T>(opts: CommonOptions, data: T, render: (d: T) => string): void {
  if (opts.json) process.stdout.write(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...data }, null, 2) + '\n');
  else {
    const text = render(data);
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

export const note = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

export const warn = (text: string): void => {
  process.stderr.write(`${pc.yellow('warning:')} ${text}\n`);
};

/** One line (plus a hint), no stack unless --debug. Returns the exit code. */
export function reportError(e: unknown, opts: CommonOptions): number {
  if (isOrchError(e)) {
    if (opts.json) {
      process.stdout.write(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ok: false, error: { code: e.code, message: e.message, hint: e.hint ?? null } }) + '\n');
    }
    process.stderr.write(`${pc.red('error:')} ${errorLine(e)}\n`);
    if (opts.debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`${pc.red('internal error:')} ${err.message}\n${opts.debug ? (err.stack ?? '') : 'run again with --debug for the stack, and report it'}\n`);
  return EXIT.internal;
}

export function usageError(message: string, hint?: string): OrchError {
  return new OrchError('usage', message, hint ? { hint } : {});
}
