import type { Epic } from '../../schema/epic.ts';
import type { SessionEvent } from '../../schema/event.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';

export function newEpic(epicId: string, at: string): Epic {
  return { schemaVersion: 1, epicId, createdAt: at, updatedAt: at, goal: null, budget: null, warnAt: 0.8, warnedForBudget: null, sessionCount: 0 };
}

/**
 * Read-modify-write the epic record with compare-and-swap, retrying on a lost race (the epic is an
 * append-only journal shared by all sessions, so re-reading and retrying is safe here).
 */
export async function updateEpic(
  deps: CoreDeps,
  epicId: string,
  change: (epic: Epic, at: string) => { epic: Epic; events?: SessionEvent[] } | null,
): Promise<Epic> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const current = await deps.store.getEpic(epicId);
    const at = deps.clock.now().toISOString();
    const base = current ?? newEpic(epicId, at);
    const next = change(structuredClone(base), at);
    if (!next) return base;
    // updatedAt is the CAS version: it must change on every write even within one millisecond.
    const updatedAt = current && at <= current.updatedAt ? bump(current.updatedAt) : at;
    const epic = { ...next.epic, updatedAt };
    try {
      if (await deps.store.putEpic({ epic, events: next.events ?? [], expectedVersion: current?.updatedAt ?? null })) return epic;
    } catch (e) {
      if (!(e instanceof OrchError && e.code === 'lock_held')) throw e;
    }
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * Math.min(attempt + 1, 10)));
  }
  throw new OrchError('ref_conflict', `epic ${epicId} is being changed by other writers; gave up after 60 tries`, { hint: 'retry the command' });
}

/** One millisecond later, in the same ISO format. */
function bump(iso: string): string {
  return new Date(new Date(iso).getTime() + 1).toISOString();
}
