import { spawn, spawnSync } from 'node:child_process';
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

/**
 * Run the CLI without blocking the event loop: needed when the test process also serves the
 * model double the agent talks to.
 */
export function orchAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number; onSpawn?: (pid: number) => void } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ORCH_BIN, ...args], { cwd, env: { NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : -1), stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> });
    });
  });
}
