import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { OrchestrationContext } from '../../schema/context.ts';
import type { CoreDeps } from '../deps.ts';
import { writeCheckpoint, type EventInput } from './checkpoint.ts';
import type { Outcome, Session } from './types.ts';

/** Pause: a checkpoint with the work in progress; a later `--resume` continues from it. */
export function pauseSession(deps: CoreDeps, session: Session, context: OrchestrationContext, reason: string): Promise<Checkpoint> {
  return writeCheckpoint(deps, session, context, {
    trigger: 'pause',
    reason,
    status: 'paused',
    events: [{ type: 'session.paused', reason }],
  });
}

/** Complete: success and partial end `completed`; failure ends `failed`. */
export function completeSession(
  deps: CoreDeps,
  session: Session,
  context: OrchestrationContext,
  outcome: Outcome,
  reason = `completed: ${outcome}`,
  extraEvents: readonly EventInput[] = [],
): Promise<Checkpoint> {
  return writeCheckpoint(deps, session, context, {
    trigger: 'complete',
    reason,
    status: outcome === 'failure' ? 'failed' : 'completed',
    outcome,
    events: [...extraEvents, { type: 'session.completed', outcome, reason }],
  });
}
