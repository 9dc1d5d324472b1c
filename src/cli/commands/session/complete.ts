import { runProjectGates } from '../../../adapters/gates/project-gates.ts';
import { completeEpicSession } from '../../../core/session/commands.ts';
import type { Outcome } from '../../../core/session/types.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';

export async function run(o: CommonOptions & { epic: string; outcome: Outcome; reason?: string; force?: boolean; gates?: boolean }): Promise<number> {
  const { deps, repo } = await openFromOptions(o);
  const r = await completeEpicSession(deps, o.epic, o.outcome, {
    reason: o.reason,
    force: o.force === true,
    ...(o.gates === false ? {} : { runGates: () => runProjectGates(repo.top, deps.clock) }),
  });
  output(o, r, (d) =>
    [
      `session ${d.checkpoint.sessionNumber} of epic ${d.checkpoint.epicId} ${d.checkpoint.status} (${o.outcome}): checkpoint ${d.checkpoint.id}`,
      ...(d.comparison ? [`gates against the session's baseline: ${d.comparison.regressions.length ? `regressed: ${d.comparison.regressions.join(', ')} (completed with --force)` : 'no regression'}`] : []),
    ].join('\n'),
  );
  return 0;
}
