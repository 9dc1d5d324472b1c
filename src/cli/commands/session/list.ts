import { requireEpic } from '../../../core/session/load.ts';
import { validateId } from '../../../core/validate.ts';
import { openFromOptions } from '../../context.ts';
import { output, usageError, type CommonOptions } from '../../io.ts';
import { renderList } from '../../render/session.ts';

export async function run(o: CommonOptions & { epic: string; limit: string; session?: string }): Promise<number> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`invalid --limit ${JSON.stringify(o.limit)}: give a whole number ≥ 1`);
  const epicId = validateId('epic', o.epic);
  const { deps } = await openFromOptions(o);
  await requireEpic(deps, epicId);
  const res = await deps.store.listCheckpoints(epicId, { limit, ...(o.session ? { sessionId: o.session } : {}) });
  output(o, res, (d) => renderList(d.checkpoints, d.errors));
  return res.errors.length > 0 ? 1 : 0;
}
