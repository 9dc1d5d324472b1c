import { OrchError } from '../../../core/errors.ts';
import { validateId } from '../../../core/validate.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';
import { renderCheckpoint } from '../../render/session.ts';

export async function run(o: CommonOptions & { epic?: string }, [id = '']: string[]): Promise<number> {
  const { deps } = await openFromOptions(o);
  const c = await deps.store.getCheckpoint(id, o.epic === undefined ? undefined : validateId('epic', o.epic));
  if (!c) throw new OrchError('not_found', `no checkpoint ${id}`, { hint: 'list them with: orch session list --epic <epic>' });
  output(o, { checkpoint: c }, (d) => renderCheckpoint(d.checkpoint));
  return 0;
}
