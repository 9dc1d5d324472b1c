import type { WorkerExit } from '../../core/convoy/runner.ts';

export { ORCH_BIN } from '../package-root.ts';

/** A worker's stdout: one line per session it starts, one exit report at the end. */
export const WORKER_EXIT_PREFIX = 'orch-worker-exit ';
export const WORKER_SESSION_PREFIX = 'orch-worker-session ';

export function parseWorkerLines(out: string): { report: Omit<WorkerExit, 'code'> | null; lastSession: string | null; sessions: string[] } {
  const lines = out.split('\n');
  const exit = lines.find((l) => l.startsWith(WORKER_EXIT_PREFIX));
  const sessions = lines.filter((l) => l.startsWith(WORKER_SESSION_PREFIX)).map((l) => l.slice(WORKER_SESSION_PREFIX.length).trim());
  return { report: exit ? (JSON.parse(exit.slice(WORKER_EXIT_PREFIX.length)) as Omit<WorkerExit, 'code'>) : null, lastSession: sessions.at(-1) ?? null, sessions };
}
