import { pidAlive, readLive } from '../../adapters/run-state.ts';
import { addNote, parseNoteKind, parseNoteText } from '../../core/notes.ts';
import { validateId } from '../../core/validate.ts';
import { openFromOptions } from '../context.ts';
import { output, usageError, type CommonOptions } from '../io.ts';

interface Opts extends CommonOptions {
  epic: string;
  kind: string;
}

export async function run(o: Opts, args: string[]): Promise<number> {
  const epicId = validateId('epic', o.epic);
  const kind = parseNoteKind(o.kind);
  const text = args.join(' ');
  if (!text.trim()) throw usageError('the note is empty', `give its text: orch note --epic ${epicId} --kind ${kind} "what happened"`);
  parseNoteText(text);
  const { deps, repo } = await openFromOptions(o);
  // A running `orch run` owns its session's checkpoints; writing one from here would stop it.
  const live = readLive(repo, epicId);
  const running = live && pidAlive(live.pid) ? live : null;
  const r = await addNote(deps, epicId, kind, text, { sessionBusy: (id) => running !== null && (running.sessionId === null || running.sessionId === id) });
  output(o, r, (d) =>
    d.recordedOn === 'session'
      ? `noted (${d.kind}) on session ${d.sessionNumber} (${d.sessionId}) of epic ${d.epicId}, checkpoint ${d.checkpointId}`
      : `noted (${d.kind}) on epic ${d.epicId} (no session open to a note right now); the next brief carries it`,
  );
  return 0;
}
