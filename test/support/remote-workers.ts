import { spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { ORCH_BIN } from './cli.ts';
import { tempDir } from './repo.ts';

export interface WorkerProc {
  pid: number;
  dir: string;
  log(): string;
  exited: Promise<number | null>;
  proc: ChildProcess;
}

/** `orch worker` processes, each with its own clone (a separate machine in all but the network). */
export function startWorkers(n: number, o: { redis: string; env?: NodeJS.ProcessEnv; args?: string[]; cwd?: string }): WorkerProc[] {
  const out: WorkerProc[] = [];
  for (let i = 0; i < n; i++) out.push(startWorker(o));
  return out;
}

export function startWorker(o: { redis: string; env?: NodeJS.ProcessEnv; args?: string[]; cwd?: string }): WorkerProc {
  const dir = tempDir('orch-worker-');
  const proc = spawn(process.execPath, [ORCH_BIN, 'worker', '--redis', o.redis, '--dir', dir, '--lock-ms', '2000', '--stalled-interval-ms', '500', ...(o.args ?? [])], {
    cwd: o.cwd ?? dir,
    env: { ...process.env, NO_COLOR: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  onTestFinished(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      proc.kill('SIGKILL');
    }
  });
  return { pid: proc.pid ?? -1, dir, log: () => log, exited, proc };
}
