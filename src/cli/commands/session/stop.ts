import { pidAlive, readLive, reapDeadRun } from '../../../adapters/run-state.ts';
import { OrchError } from '../../../core/errors.ts';
import { validateId } from '../../../core/validate.ts';
import { openFromOptions } from '../../context.ts';
import { output, usageError, type CommonOptions } from '../../io.ts';

/** Ask a running `orch run` to stop: it pauses its session after a final checkpoint, then exits. */
export async function run(o: CommonOptions & { epic: string; wait: string }): Promise<number> {
  const epicId = validateId('epic', o.epic);
  const waitS = Number(o.wait);
  if (!(waitS >= 0)) throw usageError(`invalid --wait ${JSON.stringify(o.wait)}: give seconds ≥ 0`);
  const { repo } = await openFromOptions(o);
  const reaped = await reapDeadRun(repo, epicId);
  const live = readLive(repo, epicId);
  if (!live) {
    const extra = reaped.stale ? ` (a crashed run left state behind; cleaned up${reaped.killedAgent ? ', its orphaned agent stopped' : ''})` : '';
    throw new OrchError('not_found', `no orch run of epic ${epicId} is running${extra}`, { hint: `see orch session status --epic ${epicId}` });
  }
  process.kill(live.pid, 'SIGTERM');
  const until = Date.now() + waitS * 1000;
  while (pidAlive(live.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  const stopped = !pidAlive(live.pid);
  output(o, { pid: live.pid, stopped }, (d) =>
    d.stopped ? `stopped orch run ${d.pid} of epic ${epicId}: its session was paused after a final checkpoint` : `asked orch run ${d.pid} to stop; it is still finishing its checkpoint`,
  );
  return stopped ? 0 : 1;
}
