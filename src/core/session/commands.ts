import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { EVENT } from '../../schema/events.ts';
import { compareGateRuns, type GateRunComparison } from '../gates/compare.ts';
import { baselineFrom, gateEvent, regressionLines } from '../gates/record.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { validateId } from '../validate.ts';
import { completeSession, pauseSession } from './finish.ts';
import { isTerminal } from './lifecycle.ts';
import { loadLatestSession, requireEpic } from './load.ts';
import type { Outcome } from './types.ts';

/** The session a pause/complete by epic id applies to: the newest one that has not ended. */
async function current(deps: CoreDeps, epicIdRaw: string, verb: string): Promise<NonNullable<Awaited<ReturnType<typeof loadLatestSession>>>> {
  const epicId = validateId('epic', epicIdRaw);
  await requireEpic(deps, epicId);
  const found = await loadLatestSession(deps, epicId, (tips) => tips.filter((t) => !isTerminal(t.status)).at(-1) ?? tips.at(-1));
  if (!found) throw new OrchError('not_found', `epic ${epicId} has no session to ${verb}`, { hint: `start one with: orch session start --epic ${epicId}` });
  return found;
}

export async function pauseEpicSession(deps: CoreDeps, epicId: string, reason: string): Promise<Checkpoint> {
  const { session, checkpoint } = await current(deps, epicId, 'pause');
  return pauseSession(deps, session, checkpoint.context, reason);
}

export interface CompleteOptions {
  reason?: string | undefined;
  /** Runs the gates now (the session's final run); null when the project has none. */
  runGates?: () => Promise<GateRun | null>;
  /** Complete as a success even though a required gate regressed (recorded). */
  force?: boolean;
}

/**
 * Complete the epic's current session. A success is refused while a required gate regressed
 * against the session's baseline, unless forced; the final gate run is recorded either way.
 */
export async function completeEpicSession(deps: CoreDeps, epicId: string, outcome: Outcome, o: CompleteOptions = {}): Promise<{ checkpoint: Checkpoint; comparison: GateRunComparison | null }> {
  const { session, checkpoint } = await current(deps, epicId, 'complete');
  const baseline = baselineFrom(await deps.store.readEvents(checkpoint.epicId, session.id));
  const final = o.runGates && outcome === 'success' ? await o.runGates() : null;
  const comparison = baseline && final ? compareGateRuns(baseline, final) : null;
  const regressed = comparison ? regressionLines(comparison) : [];
  const extra = final ? [gateEvent('final', final, comparison ?? undefined)] : [];
  if (regressed.length > 0 && !o.force) {
    throw new OrchError('gate_failed', `not completing session ${session.number} as a success: ${regressed.join('; ')}`, {
      hint: 'fix the regression, complete with --outcome partial, or pass --force (recorded)',
    });
  }
  if (regressed.length > 0) extra.push({ type: EVENT.note, kind: 'decision', text: `completed as success with --force despite: ${regressed.join('; ')}` });
  const c = await completeSession(deps, session, checkpoint.context, outcome, o.reason, extra);
  return { checkpoint: c, comparison };
}
