import { pidAlive, readLive } from '../../../adapters/run-state.ts';
import { epicStatus } from '../../../core/session/status.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';
import { renderLive, renderStatus } from '../../render/session.ts';

export async function run(o: CommonOptions & { epic: string }): Promise<number> {
  const { deps, repo } = await openFromOptions(o);
  const s = await epicStatus(deps, o.epic);
  const rec = readLive(repo, s.epic.epicId);
  const running = rec && pidAlive(rec.pid) ? rec : null;
  output(o, { ...s, run: running }, (d) => [renderStatus(d), ...(d.run ? [renderLive(d.run)] : [])].join('\n'));
  return 0;
}
