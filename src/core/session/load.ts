import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import type { SessionTip } from '../store.ts';
import type { Session } from './types.ts';

export function sessionFromCheckpoint(c: Checkpoint, startedAt: string): Session {
  return {
    id: c.sessionId,
    epicId: c.epicId,
    number: c.sessionNumber,
    status: c.status,
    parentSessionId: c.context.parentSessionId,
    startedAt,
    lastCheckpointId: c.id,
  };
}

/** The newest session of an epic (highest number) and its newest checkpoint. */
export async function loadLatestSession(
  deps: CoreDeps,
  epicId: string,
  pick: (tips: SessionTip[]) => SessionTip | undefined = (t) => t.at(-1),
): Promise<{ session: Session; checkpoint: Checkpoint } | null> {
  const tip = pick(await deps.store.listSessions(epicId));
  if (!tip) return null;
  const checkpoint = await deps.store.latestInSession(epicId, tip.sessionId);
  if (!checkpoint) throw new OrchError('corrupt', `session ${tip.sessionId} of epic ${epicId} has no readable checkpoint`);
  return { session: sessionFromCheckpoint(checkpoint, tip.createdAt), checkpoint };
}

export async function requireEpic(deps: CoreDeps, epicId: string): Promise<void> {
  if (!(await deps.store.getEpic(epicId))) {
    throw new OrchError('not_found', `no epic ${epicId} here`, { hint: `start one with: orch session start --epic ${epicId}` });
  }
}
