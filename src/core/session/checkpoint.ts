import { Checkpoint, type CheckpointTrigger } from '../../schema/checkpoint.ts';
import type { OrchestrationContext, SessionStatus } from '../../schema/context.ts';
import type { SessionEvent } from '../../schema/event.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { newCheckpointId } from '../ports.ts';
import { assertTransition } from './lifecycle.ts';
import type { Outcome, Session } from './types.ts';

export type EventInput = { type: string } & Record<string, unknown>;

export function makeEvents(deps: CoreDeps, session: Pick<Session, 'id' | 'number'>, inputs: readonly EventInput[]): SessionEvent[] {
  const at = deps.clock.now().toISOString();
  return inputs.map((e) => ({ ...e, id: `ev_${deps.ids.ulid()}`, at, sessionId: session.id, sessionNumber: session.number }));
}

export interface CheckpointRequest {
  trigger: CheckpointTrigger;
  reason: string;
  status?: SessionStatus;
  outcome?: Outcome | null;
  events?: readonly EventInput[];
  brief?: string;
  /** Snapshot the working tree (default true when there is a workspace). */
  snapshot?: boolean;
  forkFrom?: string;
}

/** Ids in one session's chain strictly increase, whatever the clocks of its writers say. */
function nextCheckpointId(deps: CoreDeps, previous: string | null): string {
  const id = newCheckpointId(deps.ids);
  if (!previous || id > previous) return id;
  return `${previous.slice(0, -1)}${String.fromCharCode(previous.charCodeAt(previous.length - 1) + 1)}`;
}

/**
 * Write one checkpoint of a session (compare-and-swap on the session's newest checkpoint) and move
 * the session handle forward. Returns the stored checkpoint.
 */
export async function writeCheckpoint(deps: CoreDeps, session: Session, context: OrchestrationContext, req: CheckpointRequest): Promise<Checkpoint> {
  const status = req.status ?? session.status;
  assertTransition(session.id, session.status, status);
  const snap = req.snapshot !== false && deps.workspace ? await deps.workspace.snapshot() : null;
  const filesModified = snap ? [...new Set([...context.filesModified, ...snap.changed])].sort() : context.filesModified;
  const checkpoint: Checkpoint = {
    schemaVersion: 1,
    id: nextCheckpointId(deps, session.lastCheckpointId),
    epicId: session.epicId,
    sessionId: session.id,
    sessionNumber: session.number,
    parentCheckpointId: session.lastCheckpointId ?? req.forkFrom ?? null,
    createdAt: deps.clock.now().toISOString(),
    trigger: req.trigger,
    reason: req.reason,
    status,
    outcome: req.outcome ?? null,
    context: { ...context, filesModified },
    git: snap,
  };
  // A context the caller built by hand (the library API) is checked before anything is written:
  // a checkpoint no reader can parse would hide the whole session.
  const valid = Checkpoint.safeParse(checkpoint);
  if (!valid.success) {
    const issue = valid.error.issues[0];
    throw new OrchError('usage', `checkpoint of session ${session.id} not written: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`, {
      hint: 'build the context from the one startSession/resumeSession returned (see OrchestrationContext)',
    });
  }
  const write = { checkpoint, events: makeEvents(deps, session, req.events ?? []), expectedParent: session.lastCheckpointId };
  await deps.store.putCheckpoint({
    ...write,
    ...(req.brief !== undefined ? { brief: req.brief } : {}),
    ...(req.forkFrom !== undefined ? { forkFrom: req.forkFrom } : {}),
  });
  session.status = status;
  session.lastCheckpointId = checkpoint.id;
  deps.events.emit({ type: 'checkpoint.written', id: checkpoint.id, trigger: req.trigger, status });
  return checkpoint;
}
