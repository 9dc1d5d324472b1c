import { foldConvoy } from '../../../core/convoy/state.ts';
import { validateId } from '../../../core/validate.ts';
import { output, type CommonOptions } from '../../io.ts';
import { table } from '../../render/format.ts';
import { openConvoys } from './common.ts';

export async function run(o: CommonOptions & { epic?: string }): Promise<number> {
  const { convoys } = await openConvoys(o);
  const list = await convoys.list(o.epic === undefined ? undefined : validateId('epic', o.epic));
  const rows = await Promise.all(
    list.map(async (c) => {
      const st = foldConvoy(c, await convoys.events(c.epicId, c.id));
      const count = (s: string): number => [...st.issues.values()].filter((i) => i.status === s).length;
      return { id: c.id, name: c.name, epicId: c.epicId, issues: c.issues.length, done: count('done'), failed: count('failed'), status: c.cancelled ? 'cancelled' : st.finished ? 'finished' : 'active' };
    }),
  );
  output(o, { convoys: rows }, (d) => (d.convoys.length ? table(d.convoys.map((r) => [r.id, r.name, r.epicId, r.status, `${r.done}/${r.issues} done`, `${r.failed} failed`]), ['CONVOY', 'NAME', 'EPIC', 'STATUS', 'PROGRESS', 'FAILED']) : 'no convoys'));
  return 0;
}
