import type { TestState } from '../../schema/context.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { EVENT } from '../../schema/events.ts';
import type { EventInput } from '../session/checkpoint.ts';
import type { GateRunComparison } from './compare.ts';

export type GatePhase = 'baseline' | 'final' | 'manual';

/** A gate run as a recorded event: the whole document, so briefs and metrics need nothing else. */
export function gateEvent(phase: GatePhase, run: GateRun, cmp?: GateRunComparison): EventInput {
  return {
    type: EVENT.gateRun,
    phase,
    ok: run.ok,
    results: run.results.map((r) => ({ name: r.name, status: r.status, mode: r.mode, failedTests: r.failingTests, counts: r.counts ?? null })),
    regressions: cmp?.regressions ?? [],
    run,
  };
}

/** The context's test state from the gate that runs tests (named `test`, or any with counts). */
export function testStateFrom(run: GateRun, at: string): TestState | null {
  const t = run.results.find((r) => r.name === 'test' && r.status !== 'skipped') ?? run.results.find((r) => r.counts && r.status !== 'skipped');
  if (!t) return null;
  const status = t.status === 'pass' ? 'passing' : t.status === 'fail' ? 'failing' : 'error';
  return { status, at, passed: t.counts?.passed ?? null, failed: t.counts?.failed ?? null, failing: t.failingTests.slice(0, 50) };
}

/** One line per regression for "what didn't work". */
export function regressionLines(cmp: GateRunComparison): string[] {
  return cmp.gates
    .filter((g) => cmp.regressions.includes(g.name))
    .map((g) => `gate ${g.name} regressed (${g.baseline} → ${g.latest})${g.newlyFailingTests.length ? `: ${g.newlyFailingTests.slice(0, 8).join(', ')}` : ''}`);
}

/** The newest baseline gate run recorded in a session's events. */
export function baselineFrom(events: readonly { type: string; [k: string]: unknown }[]): GateRun | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === EVENT.gateRun && e.phase === 'baseline' && e.run) return e.run as GateRun;
  }
  return null;
}
