import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { RepoInfo } from './repo.ts';

/** Git holds a ref lock for milliseconds; one this old was left by a writer killed mid-update. */
export const STALE_LOCK_MS = 10_000;

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

/**
 * Remove stale `*.lock` files under orch's private ref namespace (never the user's refs).
 * Returns how many were removed.
 */
export async function recoverStaleLocks(repo: RepoInfo, now: Date, maxAgeMs = STALE_LOCK_MS): Promise<number> {
  let removed = 0;
  for await (const file of walk(path.join(repo.commonDir, 'refs', 'orchestration'))) {
    if (!file.endsWith('.lock')) continue;
    const st = await stat(file).catch(() => null);
    if (st && now.getTime() - st.mtimeMs > maxAgeMs) {
      await unlink(file).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
