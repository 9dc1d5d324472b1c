import type { GateMode } from '../../schema/gates-config.ts';
import type { GateResult, GateRun, GateStatus } from '../../schema/gate-run.ts';

export type GateChange =
  | 'regressed' // passed in the baseline, fails now
  | 'fixed' // failed in the baseline, passes now
  | 'still_failing' // failed before and after: predates the session
  | 'still_passing'
  | 'new' // not run in the baseline (absent or skipped)
  | 'not_run'; // run in the baseline, absent or skipped now

export interface GateComparison {
  name: string;
  change: GateChange;
  mode: GateMode;
  baseline: GateStatus | undefined;
  latest: GateStatus | undefined;
  /** Failing now and not failing in the baseline (all of them when the baseline named none). */
  newlyFailingTests: string[];
  /** Failing in the baseline and not now. */
  fixedTests: string[];
}

export interface GateRunComparison {
  gates: GateComparison[];
  /** Required gates that regressed. A gate that was already failing is never listed here. */
  regressions: string[];
  ok: boolean;
}

const failing = (s: GateStatus): boolean => s === 'fail' || s === 'error' || s === 'timeout';
const ran = (r: GateResult | undefined): r is GateResult => r !== undefined && r.status !== 'skipped';

function classify(base: GateResult | undefined, now: GateResult | undefined): GateChange {
  if (!ran(now)) return ran(base) ? 'not_run' : 'new';
  if (!ran(base)) return 'new';
  if (failing(base.status)) return failing(now.status) ? 'still_failing' : 'fixed';
  return failing(now.status) ? 'regressed' : 'still_passing';
}

/** Compare a session's gate run with its baseline. Pure. */
export function compareGateRuns(baseline: GateRun, latest: GateRun): GateRunComparison {
  const before = new Map(baseline.results.map((r) => [r.name, r]));
  const after = new Map(latest.results.map((r) => [r.name, r]));
  const names = [...after.keys(), ...[...before.keys()].filter((n) => !after.has(n))];
  const gates = names.map((name): GateComparison => {
    const base = before.get(name);
    const now = after.get(name);
    const baseFailing = new Set(ran(base) ? base.failingTests : []);
    const nowFailing = new Set(ran(now) ? now.failingTests : []);
    return {
      name,
      change: classify(base, now),
      mode: (now ?? base)?.mode ?? 'required',
      baseline: base?.status,
      latest: now?.status,
      newlyFailingTests: [...nowFailing].filter((t) => !baseFailing.has(t)),
      fixedTests: ran(now) ? [...baseFailing].filter((t) => !nowFailing.has(t)) : [],
    };
  });
  const regressions = gates.filter((g) => g.change === 'regressed' && g.mode === 'required').map((g) => g.name);
  return { gates, regressions, ok: regressions.length === 0 };
}
