import fs from 'node:fs';
import path from 'node:path';

/**
 * One in-process FIFO per key (a beads workspace, a task file; also a repository's `git worktree
 * add` calls). Embedded beads is single-process and a task file is read-modify-write, so callers
 * never overlap on the same key
 * (beads-gastown.md §5.4). A failed job does not poison the queue.
 */
const tails = new Map<string, Promise<void>>();

export function serialise<T>(key: string, job: () => Promise<T>): Promise<T> {
  const prev = tails.get(key) ?? Promise.resolve();
  const result = prev.then(job);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return result;
}

/** Same directory reached by different spellings (symlinks, `..`) must share one queue. */
export function queueKey(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    return abs;
  }
}
