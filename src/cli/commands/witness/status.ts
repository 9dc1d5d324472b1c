import { witnessRunning } from '../../../adapters/convoy/witness-process.ts';
import { findConvoy } from '../../../core/convoy/create.ts';
import { output, type CommonOptions } from '../../io.ts';
import { openConvoys } from '../convoy/common.ts';

export async function run(o: CommonOptions & { epic?: string }, [id = '']: string[]): Promise<number> {
  const { repo, convoys } = await openConvoys(o);
  const c = await findConvoy(convoys, id, o.epic);
  const w = witnessRunning(repo, c.id);
  const actions = (await convoys.events(c.epicId, c.id)).filter((e) => e.type.startsWith('witness.'));
  output(o, { convoy: c.id, running: w, staleMinutes: c.staleMinutes, maxRestarts: c.maxRestarts, actions }, (d) =>
    [
      `witness of convoy ${d.convoy}: ${d.running ? `running (pid ${d.running.pid}, every ${d.running.pollSeconds} s)` : 'not running (the convoy runner watches its own workers)'}`,
      `stale after ${d.staleMinutes} min; at most ${d.maxRestarts} restart(s) per issue`,
      ...d.actions.map((e) => `${e.at}  ${e.type}  ${typeof e.issueId === 'string' ? e.issueId : ''}  ${typeof e.reason === 'string' ? e.reason : ''}`),
    ].join('\n'),
  );
  return 0;
}
