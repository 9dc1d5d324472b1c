import { NOTE_KINDS, type Entry, type NoteKind, type OrchestrationContext } from '../schema/context.ts';
import { EVENT } from '../schema/events.ts';
import type { CoreDeps } from './deps.ts';
import { OrchError } from './errors.ts';
import { writeCheckpoint } from './session/checkpoint.ts';
import { updateEpic } from './session/epic.ts';
import { isLive } from './session/lifecycle.ts';
import { requireEpic, sessionFromCheckpoint } from './session/load.ts';
import { validateId } from './validate.ts';

export const MAX_NOTE_CHARS = 4000;

export interface NoteResult {
  epicId: string;
  kind: NoteKind;
  /** On the live session's context (a checkpoint), or on the epic record when no session is live. */
  recordedOn: 'session' | 'epic';
  sessionId: string | null;
  sessionNumber: number | null;
  checkpointId: string | null;
  entry: Entry;
}

export function parseNoteKind(raw: string): NoteKind {
  if (!(NOTE_KINDS as readonly string[]).includes(raw)) throw new OrchError('usage', `unknown note kind ${JSON.stringify(raw)}: use one of ${NOTE_KINDS.join(', ')}`);
  return raw as NoteKind;
}

export function parseNoteText(raw: string): string {
  const text = raw.trim();
  if (!text) throw new OrchError('usage', 'the note is empty: give its text, e.g. orch note --epic auth --kind tried "mocking SMTP with nock hangs in CI"');
  if (text.length > MAX_NOTE_CHARS) throw new OrchError('usage', `the note has ${text.length} characters; keep it under ${MAX_NOTE_CHARS}`);
  return text;
}

/** tried and blocker are "what didn't work"; the rest go where their name says. */
function withEntry(ctx: OrchestrationContext, kind: NoteKind, entry: Entry): OrchestrationContext {
  if (kind === 'decision') return { ...ctx, decisions: [...ctx.decisions, entry] };
  if (kind === 'note') return { ...ctx, notes: [...ctx.notes, entry] };
  return { ...ctx, blockers: [...ctx.blockers, entry] };
}

/**
 * Record a note so later sessions carry it: on the newest live session (a manual checkpoint without
 * a snapshot, the note added to its context and logged as a `note` event), else on the epic record.
 */
export interface NoteOptions {
  /**
   * True when another process is writing this session (a running `orch run`): a checkpoint from
   * here would supersede that writer, so the note goes on the epic record instead.
   */
  sessionBusy?: (sessionId: string) => boolean;
}

export async function addNote(deps: CoreDeps, epicIdRaw: string, kindRaw: string, textRaw: string, o: NoteOptions = {}): Promise<NoteResult> {
  const epicId = validateId('epic', epicIdRaw);
  const kind = parseNoteKind(kindRaw);
  const text = parseNoteText(textRaw);
  await requireEpic(deps, epicId);
  // Another writer may move the session between our read and write: re-read and retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const tip = (await deps.store.listSessions(epicId)).filter((t) => isLive(t.status)).at(-1);
    if (!tip || o.sessionBusy?.(tip.sessionId)) break;
    const last = await deps.store.latestInSession(epicId, tip.sessionId);
    if (!last || !isLive(last.status)) continue;
    const entry: Entry = { at: deps.clock.now().toISOString(), sessionNumber: last.sessionNumber, text, source: `note:${kind}` };
    const session = sessionFromCheckpoint(last, tip.createdAt);
    try {
      const written = await writeCheckpoint(deps, session, withEntry(last.context, kind, entry), {
        trigger: 'manual',
        reason: 'note',
        snapshot: false,
        events: [{ type: EVENT.note, kind, text }],
      });
      return { epicId, kind, recordedOn: 'session', sessionId: session.id, sessionNumber: session.number, checkpointId: written.id, entry };
    } catch (e) {
      if (!(e instanceof OrchError && e.code === 'superseded')) throw e;
    }
  }
  const made: { entry?: Entry } = {};
  await updateEpic(deps, epicId, (epic, at) => {
    made.entry = { at, sessionNumber: epic.sessionCount, text, source: `epic-note:${kind}` };
    const event = { id: `ev_${deps.ids.ulid()}`, at, type: EVENT.note, sessionId: `epic:${epicId}`, sessionNumber: Math.max(1, epic.sessionCount), afterSession: epic.sessionCount, kind, text };
    return { epic, events: [event] };
  });
  if (!made.entry) throw new OrchError('corrupt', `epic ${epicId} could not be read to record the note`);
  return { epicId, kind, recordedOn: 'epic', sessionId: null, sessionNumber: null, checkpointId: null, entry: made.entry };
}
