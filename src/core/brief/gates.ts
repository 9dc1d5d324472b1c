import type { SessionEvent } from '../../schema/event.ts';
import { EVENT } from '../../schema/events.ts';
import type { GateMode } from '../../schema/gates-config.ts';
import type { GateResult, GateRun, GateStatus } from '../../schema/gate-run.ts';
import { compareGateRuns } from '../gates/compare.ts';
import { arr, obj, str, strs } from './payload.ts';
import type { GateFacts } from './types.ts';

const STATUSES: readonly string[] = ['pass', 'fail', 'error', 'timeout', 'skipped'];

/**
 * A gate.run event carries a summary ({ name, status, mode, failedTests }); compareGateRuns needs
 * only those fields of a GateResult, the rest are neutral fillers.
 */
export function gateRunOf(e: SessionEvent): GateRun {
  const results = arr(e.results).flatMap((raw): GateResult[] => {
    const r = obj(raw);
    const name = str(r.name);
    const status = str(r.status);
    if (!name || !status || !STATUSES.includes(status)) return [];
    const mode: GateMode = r.mode === 'advisory' ? 'advisory' : 'required';
    return [
      {
        name,
        command: [],
        mode,
        status: status as GateStatus,
        exitCode: null,
        signal: null,
        durationMs: 0,
        timeoutMs: 1,
        outputTail: '',
        parser: 'none',
        failingTests: strs(r.failedTests ?? r.failingTests),
      },
    ];
  });
  return { schemaVersion: 1, startedAt: e.at, finishedAt: e.at, cwd: '', ok: e.ok === true, results };
}

export const isGateRun = (e: SessionEvent): boolean => e.type === EVENT.gateRun;
export const isFailing = (s: string): boolean => s === 'fail' || s === 'error' || s === 'timeout';

/** The baseline a gate run is judged against: its session's newest baseline run before it. */
export function baselineFor(events: readonly SessionEvent[], run: SessionEvent): SessionEvent | null {
  const candidates = events.filter((e) => isGateRun(e) && e.phase === 'baseline' && e.sessionId === run.sessionId && e.at <= run.at && e !== run);
  return candidates.at(-1) ?? null;
}

const okOf = (e: SessionEvent, run: GateRun): boolean =>
  typeof e.ok === 'boolean' ? e.ok : run.results.every((r) => r.mode === 'advisory' || !isFailing(r.status));

/** Gate status for the brief: the newest gate run of the epic against its session's baseline. */
export function gateFacts(events: readonly SessionEvent[]): GateFacts | null {
  const runs = events.filter(isGateRun);
  const latest = runs.reduce<SessionEvent | null>((best, e) => (!best || e.at >= best.at ? e : best), null);
  if (!latest) return null;
  const base = latest.phase === 'baseline' ? null : baselineFor(events, latest);
  const now = gateRunOf(latest);
  const cmp = base ? compareGateRuns(gateRunOf(base), now) : null;
  const byName = new Map(cmp?.gates.map((g) => [g.name, g]) ?? []);
  const gates = [...new Set([...now.results.map((r) => r.name), ...byName.keys()])].map((name) => {
    const r = now.results.find((x) => x.name === name);
    const g = byName.get(name);
    return {
      name,
      latest: r?.status ?? null,
      baseline: g?.baseline ?? null,
      change: g?.change ?? null,
      failingTests: r && isFailing(r.status) ? r.failingTests : [],
      predates: g?.change === 'still_failing',
    };
  });
  return {
    latest: { phase: str(latest.phase) ?? 'manual', at: latest.at, sessionNumber: latest.sessionNumber, ok: okOf(latest, now) },
    baseline: base ? { at: base.at, sessionNumber: base.sessionNumber, ok: okOf(base, gateRunOf(base)) } : null,
    gates,
  };
}
