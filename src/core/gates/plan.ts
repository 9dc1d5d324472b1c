import { OrchError } from '../errors.ts';
import { durationMs, type GateConfigEntry, type GateMode, type GatesConfig, type ParserChoice } from '../../schema/gates-config.ts';
import type { DetectedGate, DetectedGates } from './detect.ts';

export const DEFAULT_GATE_TIMEOUT_MS = 10 * 60_000;
/** Configured gates without an `order` run after the detected ones (build is 90). */
export const DEFAULT_CONFIGURED_ORDER = 100;

export interface PlannedGate {
  name: string;
  /** argv; a configured shell string becomes `['sh', '-c', string]`. */
  command: string[];
  mode: GateMode;
  order: number;
  enabled: boolean;
  timeoutMs: number;
  parser: ParserChoice;
  /** `package.json scripts.test`, `.orch/config.yaml`, or both joined with ` + `. */
  source: string;
}

export interface GatePlan {
  gates: PlannedGate[];
}

const argv = (command: string | string[]): string[] => (typeof command === 'string' ? ['sh', '-c', command] : [...command]);

function fromDetected(d: DetectedGate, timeoutMs: number): PlannedGate {
  return { name: d.name, command: [...d.command], mode: d.mode, order: d.order, enabled: d.enabled, timeoutMs, parser: d.parser, source: d.source };
}

function override(g: PlannedGate, e: GateConfigEntry, configSource: string): PlannedGate {
  const next: PlannedGate = { ...g, source: `${g.source} + ${configSource}` };
  if (e.command !== undefined) {
    next.command = argv(e.command);
    next.parser = 'auto'; // the detected runner hint described the old command
  }
  if (e.timeout !== undefined) next.timeoutMs = durationMs(e.timeout);
  if (e.mode !== undefined) next.mode = e.mode;
  if (e.order !== undefined) next.order = e.order;
  if (e.enabled !== undefined) next.enabled = e.enabled;
  if (e.parser !== undefined) next.parser = e.parser;
  return next;
}

/**
 * Merge detected gates with the `gates` section of the config: an entry named like a detected gate
 * overrides the fields it sets; any other entry adds a gate and must have a command. Pure.
 */
export function planGates(detected: DetectedGates | readonly DetectedGate[], config?: GatesConfig, configSource = '.orch/config.yaml'): GatePlan {
  const list = 'gates' in detected ? detected.gates : detected;
  const defaultTimeout = config?.timeout !== undefined ? durationMs(config.timeout) : DEFAULT_GATE_TIMEOUT_MS;
  const gates = config?.detect === false ? [] : list.map((d) => fromDetected(d, defaultTimeout));
  for (const e of config?.list ?? []) {
    const i = gates.findIndex((g) => g.name === e.name);
    const existing = gates[i];
    if (existing) {
      gates[i] = override(existing, e, configSource);
      continue;
    }
    if (e.command === undefined) {
      const known = gates.map((g) => g.name).join(', ') || 'none';
      throw new OrchError('config_invalid', `${configSource}: gate "${e.name}" has no command and no gate of that name was detected (detected: ${known})`, {
        hint: `add a command to gate "${e.name}" or fix its name`,
      });
    }
    gates.push({
      name: e.name,
      command: argv(e.command),
      mode: e.mode ?? 'required',
      order: e.order ?? DEFAULT_CONFIGURED_ORDER,
      enabled: e.enabled ?? true,
      timeoutMs: e.timeout !== undefined ? durationMs(e.timeout) : defaultTimeout,
      parser: e.parser ?? 'auto',
      source: configSource,
    });
  }
  // Stable: equal orders keep detection order, then config order.
  return { gates: gates.sort((a, b) => a.order - b.order) };
}
