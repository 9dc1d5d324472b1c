import { convoyDir } from '../../../adapters/convoy/worktrees.ts';
import { pidAlive, readLiveAt } from '../../../adapters/run-state.ts';
import { findConvoy } from '../../../core/convoy/create.ts';
import { OrchError } from '../../../core/errors.ts';
import { output, type CommonOptions } from '../../io.ts';
import { openConvoys } from './common.ts';
import { runnerFile } from './run.ts';

/** Stop the dispatcher (it stops its workers, which pause their sessions); resume with `convoy resume`. */
export async function run(o: CommonOptions & { epic?: string }, [id = '']: string[]): Promise<number> {
  const { repo, convoys } = await openConvoys(o);
  const c = await findConvoy(convoys, id, o.epic);
  const r = readLiveAt(runnerFile(convoyDir(repo, c.id))) as { pid?: number } | null;
  if (!r?.pid || !pidAlive(r.pid)) throw new OrchError('not_found', `convoy ${c.id} is not running`, { hint: `start it with orch convoy run ${c.id}` });
  process.kill(r.pid, 'SIGTERM');
  const until = Date.now() + 60_000;
  while (pidAlive(r.pid) && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
  output(o, { convoy: c.id, stopped: !pidAlive(r.pid) }, (d) => (d.stopped ? `stopped convoy ${c.id}; resume with orch convoy resume ${c.id}` : `asked convoy ${c.id} to stop; it is still stopping its workers`));
  return pidAlive(r.pid) ? 1 : 0;
}
