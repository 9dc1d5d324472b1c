import { open, readFile, stat, unlink } from 'node:fs/promises';
import { pidAlive } from '../run-state.ts';

/** A lock file still without a pid after this long was left by a process killed right after creating it. */
const EMPTY_STALE_MS = 5000;

/**
 * Run `job` holding `file` (created with O_EXCL, holding our pid) against other processes. A lock
 * whose holder is gone (killed mid-job) is taken over; a live holder is waited for. (Two waiters
 * taking over the same dead holder's lock at once can both get in: the rare case of a kill -9
 * during a job, with others waiting, degrades to running unserialised once.)
 */
export async function withPidLock<T>(file: string, job: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(await readFile(file, 'utf8').catch(() => ''));
      // An empty file is a holder between its open and its write, unless it has been empty for long.
      const gone = holder > 0 ? !pidAlive(holder) : Date.now() - ((await stat(file).catch(() => null))?.mtimeMs ?? Date.now()) > EMPTY_STALE_MS;
      if (gone) await unlink(file).catch(() => undefined);
      else await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
  try {
    return await job();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
