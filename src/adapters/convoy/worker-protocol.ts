import type { WorkerExit } from '../../core/convoy/runner.ts';

export { ORCH_BIN } from '../package-root.ts';

/** A worker's stdout: a line when it takes a job (`--serve`), one per session it starts, one exit report at the end. */
export const WORKER_EXIT_PREFIX = 'orch-worker-exit ';
export const WORKER_SESSION_PREFIX = 'orch-worker-session ';
export const WORKER_TAKEN_PREFIX = 'orch-worker-taken ';

/** One stdout line of a worker: a job it took, a session it started, its exit report, or anything else (null). */
export function parseWorkerLine(line: string): { taken: string } | { session: string } | { report: Omit<WorkerExit, 'code'> } | null {
  if (line.startsWith(WORKER_TAKEN_PREFIX)) return { taken: line.slice(WORKER_TAKEN_PREFIX.length).trim() };
  if (line.startsWith(WORKER_SESSION_PREFIX)) return { session: line.slice(WORKER_SESSION_PREFIX.length).trim() };
  if (line.startsWith(WORKER_EXIT_PREFIX)) return { report: JSON.parse(line.slice(WORKER_EXIT_PREFIX.length)) as Omit<WorkerExit, 'code'> };
  return null;
}

export function parseWorkerLines(out: string): { report: Omit<WorkerExit, 'code'> | null; lastSession: string | null; sessions: string[] } {
  const parsed = out.split('\n').map(parseWorkerLine);
  const sessions = parsed.flatMap((p) => (p && 'session' in p ? [p.session] : []));
  const exit = parsed.find((p) => p !== null && 'report' in p);
  return { report: exit && 'report' in exit ? exit.report : null, lastSession: sessions.at(-1) ?? null, sessions };
}
