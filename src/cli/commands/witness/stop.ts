import { witnessRunning } from '../../../adapters/convoy/witness-process.ts';
import { pidAlive } from '../../../adapters/run-state.ts';
import { findConvoy } from '../../../core/convoy/create.ts';
import { OrchError } from '../../../core/errors.ts';
import { output, type CommonOptions } from '../../io.ts';
import { openConvoys } from '../convoy/common.ts';

export async function run(o: CommonOptions & { epic?: string }, [id = '']: string[]): Promise<number> {
  const { repo, convoys } = await openConvoys(o);
  const c = await findConvoy(convoys, id, o.epic);
  const w = witnessRunning(repo, c.id);
  if (!w) throw new OrchError('not_found', `the witness of convoy ${c.id} is not running`);
  process.kill(w.pid, 'SIGTERM');
  const until = Date.now() + 15_000;
  while (pidAlive(w.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  output(o, { convoy: c.id, stopped: !pidAlive(w.pid) }, (d) => (d.stopped ? `stopped the witness of convoy ${d.convoy}` : `asked the witness of ${d.convoy} to stop`));
  return pidAlive(w.pid) ? 1 : 0;
}
