import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ORCH_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/orch.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown>;
}

/** Run the built CLI as a user would: its own process, a minimal environment. */
export function orch(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): CliResult {
  const res = spawnSync(process.execPath, [ORCH_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    input,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
  return {
    code: res.status ?? -1,
    stdout: res.stdout,
    stderr: res.stderr,
    json: () => JSON.parse(res.stdout) as Record<string, unknown>,
  };
}
