import { pauseEpicSession } from '../../../core/session/commands.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';

export async function run(o: CommonOptions & { epic: string; reason: string }): Promise<number> {
  const { deps } = await openFromOptions(o);
  const c = await pauseEpicSession(deps, o.epic, o.reason);
  output(o, { checkpoint: c }, (d) => {
    const g = d.checkpoint.git;
    const snap = g ? `; snapshot of ${g.changed.length} uncommitted file(s)${g.excluded.length ? `, ${g.excluded.length} secret file(s) left out` : ''}` : '';
    return `paused session ${d.checkpoint.sessionNumber} of epic ${d.checkpoint.epicId}: checkpoint ${d.checkpoint.id}${snap}\nresume with: orch session start --epic ${d.checkpoint.epicId} --resume`;
  });
  return 0;
}
