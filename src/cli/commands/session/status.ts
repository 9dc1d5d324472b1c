import { epicStatus } from '../../../core/session/status.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';
import { renderStatus } from '../../render/session.ts';

export async function run(o: CommonOptions & { epic: string }): Promise<number> {
  const { deps } = await openFromOptions(o);
  const s = await epicStatus(deps, o.epic);
  output(o, s, renderStatus);
  return 0;
}
