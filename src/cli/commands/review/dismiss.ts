import { dismissFinding } from '../../../core/review/followup.ts';
import { openFromOptions } from '../../context.ts';
import { output, usageError, type CommonOptions } from '../../io.ts';

interface Opts extends CommonOptions {
  epic?: string;
  reason?: string;
}

export async function run(o: Opts, args: string[]): Promise<number> {
  const id = args[0];
  if (!id) throw usageError('which finding?', 'orch review dismiss <finding-id> [--reason "…"]');
  const { deps } = await openFromOptions(o);
  const r = await dismissFinding(deps, id, o.reason ?? null, o.epic ?? null);
  output(o, { ok: true, ...r }, (d) =>
    d.already
      ? `finding ${id} was already ${d.finding.status}${d.finding.addressedBy ? ` by ${d.finding.addressedBy.slice(0, 10)}` : ''}: nothing recorded`
      : `dismissed ${id} (${d.finding.reviewer}, ${d.finding.severity}, ${d.finding.file}:${d.finding.line}) in epic ${d.epicId}${d.finding.dismissReason ? `: ${d.finding.dismissReason}` : ''}`,
  );
  return 0;
}
