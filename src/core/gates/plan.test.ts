import { describe, expect, test } from 'vitest';
import { OrchError } from '../errors.ts';
import { GatesConfig } from '../../schema/gates-config.ts';
import type { DetectedGate } from './detect.ts';
import { DEFAULT_GATE_TIMEOUT_MS, planGates } from './plan.ts';

const detected: DetectedGate[] = [
  { name: 'lint', command: ['npm', 'run', 'lint'], mode: 'required', order: 20, enabled: true, parser: 'none', source: 'package.json scripts.lint' },
  { name: 'test', command: ['npm', 'run', 'test'], mode: 'required', order: 30, enabled: true, parser: 'vitest', source: 'package.json scripts.test' },
  { name: 'build', command: ['npm', 'run', 'build'], mode: 'advisory', order: 90, enabled: false, parser: 'none', source: 'package.json scripts.build' },
];
const cfg = (raw: unknown): GatesConfig => GatesConfig.parse(raw);

describe('planGates', () => {
  test('no config: the detected gates with the default timeout', () => {
    const plan = planGates({ packageManager: 'npm', gates: detected, notes: [] });
    expect(plan.gates.map((g) => [g.name, g.timeoutMs, g.enabled])).toEqual([
      ['lint', DEFAULT_GATE_TIMEOUT_MS, true],
      ['test', DEFAULT_GATE_TIMEOUT_MS, true],
      ['build', DEFAULT_GATE_TIMEOUT_MS, false],
    ]);
  });
  test('an entry named like a detected gate overrides only the fields it sets', () => {
    const plan = planGates(detected, cfg({ timeout: '2m', list: [{ name: 'lint', mode: 'advisory' }, { name: 'build', enabled: true, timeout: 90 }, { name: 'test', command: 'npx vitest run --bail 1' }] }));
    const [lint, test_, build] = plan.gates;
    expect(lint).toMatchObject({ name: 'lint', mode: 'advisory', command: ['npm', 'run', 'lint'], timeoutMs: 120_000, source: 'package.json scripts.lint + .orch/config.yaml' });
    expect(test_).toMatchObject({ command: ['sh', '-c', 'npx vitest run --bail 1'], parser: 'auto', timeoutMs: 120_000 });
    expect(build).toMatchObject({ enabled: true, timeoutMs: 90_000, mode: 'advisory' });
  });
  test('new gates are appended (order 100 unless set) and sorted stably by order', () => {
    const plan = planGates(detected, cfg([
      { name: 'e2e', command: ['npx', 'playwright', 'test'], timeout: '15m', mode: 'advisory' },
      { name: 'audit', command: 'npm audit --omit=dev', order: 5 },
      { name: 'test', order: 20 },
    ]));
    expect(plan.gates.map((g) => `${g.name}:${g.order}`)).toEqual(['audit:5', 'lint:20', 'test:20', 'build:90', 'e2e:100']);
    expect(plan.gates.at(-1)).toMatchObject({ command: ['npx', 'playwright', 'test'], timeoutMs: 900_000, mode: 'advisory', enabled: true, parser: 'auto', source: '.orch/config.yaml' });
  });
  test('detect: false keeps only configured gates', () => {
    const plan = planGates(detected, cfg({ detect: false, list: [{ name: 'check', command: ['make', 'check'], parser: 'go-test' }] }));
    expect(plan.gates.map((g) => [g.name, g.parser])).toEqual([['check', 'go-test']]);
  });
  test('a new gate without a command is a config error naming the detected gates', () => {
    const err = (() => {
      try {
        planGates(detected, cfg([{ name: 'tests' }]), '/repo/.orch/config.yaml');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(OrchError);
    expect(err).toMatchObject({ code: 'config_invalid', exitCode: 2 });
    expect((err as Error).message).toBe('/repo/.orch/config.yaml: gate "tests" has no command and no gate of that name was detected (detected: lint, test, build)');
  });
  test('the plan does not alias the detected commands', () => {
    const plan = planGates(detected);
    plan.gates[0]?.command.push('--oops');
    expect(detected[0]?.command).toEqual(['npm', 'run', 'lint']);
  });
});
