import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { validateId } from '../validate.ts';
import { completeSession, pauseSession } from './finish.ts';
import { isTerminal } from './lifecycle.ts';
import { loadLatestSession, requireEpic } from './load.ts';
import type { Outcome } from './types.ts';

/** The session a pause/complete by epic id applies to: the newest one that has not ended. */
async function current(deps: CoreDeps, epicIdRaw: string, verb: string): Promise<NonNullable<Awaited<ReturnType<typeof loadLatestSession>>>> {
  const epicId = validateId('epic', epicIdRaw);
  await requireEpic(deps, epicId);
  const found = await loadLatestSession(deps, epicId, (tips) => tips.filter((t) => !isTerminal(t.status)).at(-1) ?? tips.at(-1));
  if (!found) throw new OrchError('not_found', `epic ${epicId} has no session to ${verb}`, { hint: `start one with: orch session start --epic ${epicId}` });
  return found;
}

export async function pauseEpicSession(deps: CoreDeps, epicId: string, reason: string): Promise<Checkpoint> {
  const { session, checkpoint } = await current(deps, epicId, 'pause');
  return pauseSession(deps, session, checkpoint.context, reason);
}

export async function completeEpicSession(deps: CoreDeps, epicId: string, outcome: Outcome, reason?: string): Promise<Checkpoint> {
  const { session, checkpoint } = await current(deps, epicId, 'complete');
  return completeSession(deps, session, checkpoint.context, outcome, reason);
}
