import type { CoreDeps } from '../../core/deps.ts';
import { writeCheckpoint } from '../../core/session/checkpoint.ts';
import { isLive } from '../../core/session/lifecycle.ts';
import { sessionFromCheckpoint } from '../../core/session/load.ts';

/**
 * Mark a superseded session interrupted (compare-and-swap on its chain): a zombie writer of that
 * session then fails its next checkpoint instead of forking the chain.
 */
export async function fenceSession(deps: CoreDeps, epicId: string, sessionId: string, reason: string): Promise<void> {
  const c = await deps.store.latestInSession(epicId, sessionId);
  if (!c || !isLive(c.status)) return;
  await writeCheckpoint(deps, sessionFromCheckpoint(c, c.createdAt), c.context, {
    trigger: 'interrupted',
    reason,
    status: 'interrupted',
    snapshot: false,
    events: [{ type: 'session.interrupted', reason }],
  }).catch(() => undefined); // the zombie moved it first: it is fenced either way
}
