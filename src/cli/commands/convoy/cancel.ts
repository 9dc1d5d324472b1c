import { CONVOY_EVENT } from '../../../core/convoy/events.ts';
import { appendConvoy } from '../../../core/convoy/runner.ts';
import { findConvoy } from '../../../core/convoy/create.ts';
import { output, type CommonOptions } from '../../io.ts';
import { openConvoys } from './common.ts';

/** Cancel: recorded in the journal; a running dispatcher stops its workers at its next step. */
export async function run(o: CommonOptions & { epic?: string; reason?: string }, [id = '']: string[]): Promise<number> {
  const { convoys } = await openConvoys(o);
  const c = await findConvoy(convoys, id, o.epic);
  await appendConvoy(convoys, c.epicId, c.id, [{ type: CONVOY_EVENT.cancelled, reason: o.reason ?? 'cancelled by the user' }], (x) => ({ ...x, cancelled: true }));
  output(o, { convoy: c.id, cancelled: true }, () => `cancelled convoy ${c.id}; finished issues stay merged, claimed ones stay claimed in the tracker`);
  return 0;
}
