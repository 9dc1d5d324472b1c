import type { Clock } from '../../core/ports.ts';
import { detectGates } from '../../core/gates/detect.ts';
import { planGates } from '../../core/gates/plan.ts';
import type { GateRun } from '../../schema/gate-run.ts';
import { loadGatesConfig } from './config.ts';
import { fsProbe } from './probe-fs.ts';
import { runGates, type GateEvent } from './run-gates.ts';

/** Detect, configure and run the project's gates; null when the project has none. */
export async function runProjectGates(cwd: string, clock: Clock, opts: { signal?: AbortSignal; onEvent?: (e: GateEvent) => void } = {}): Promise<GateRun | null> {
  const loaded = await loadGatesConfig(cwd);
  const plan = planGates(detectGates(fsProbe(cwd)), loaded?.config, loaded?.file);
  if (!plan.gates.some((g) => g.enabled)) return null;
  return runGates(plan, { cwd, clock, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
}
