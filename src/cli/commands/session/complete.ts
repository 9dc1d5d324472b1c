import { completeEpicSession } from '../../../core/session/commands.ts';
import type { Outcome } from '../../../core/session/types.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';

export async function run(o: CommonOptions & { epic: string; outcome: Outcome; reason?: string }): Promise<number> {
  const { deps } = await openFromOptions(o);
  const c = await completeEpicSession(deps, o.epic, o.outcome, o.reason);
  output(o, { checkpoint: c }, (d) => `session ${d.checkpoint.sessionNumber} of epic ${d.checkpoint.epicId} ${d.checkpoint.status} (${o.outcome}): checkpoint ${d.checkpoint.id}`);
  return 0;
}
