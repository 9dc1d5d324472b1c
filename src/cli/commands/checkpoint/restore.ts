import { restoreSnapshot } from '../../../adapters/git/restore.ts';
import { OrchError } from '../../../core/errors.ts';
import { validateId } from '../../../core/validate.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';

export async function run(o: CommonOptions & { epic?: string; force?: boolean }, [id = '']: string[]): Promise<number> {
  const { deps, repo } = await openFromOptions(o);
  const c = await deps.store.getCheckpoint(id, o.epic === undefined ? undefined : validateId('epic', o.epic));
  if (!c) throw new OrchError('not_found', `no checkpoint ${id}`, { hint: 'list them with: orch session list --epic <epic>' });
  if (!c.git?.snapshotTree) throw new OrchError('not_found', `checkpoint ${c.id} has no snapshot of the working tree`);
  const plan = await restoreSnapshot(repo, c.git.snapshotTree, o.force === true);
  output(o, { checkpoint: c.id, written: plan.write, overwritten: plan.conflicts, excluded: c.git.excluded }, (d) =>
    [
      d.written.length ? `restored ${d.written.length} file(s) from ${d.checkpoint}` : `nothing to restore: the working tree already matches ${d.checkpoint}`,
      ...(d.overwritten.length ? [`overwrote local changes (--force): ${d.overwritten.join(', ')}`] : []),
      ...(d.excluded.length ? [`not in the snapshot (secrets): ${d.excluded.join(', ')}`] : []),
    ].join('\n'),
  );
  return 0;
}
