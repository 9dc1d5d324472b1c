import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { GateResult, GateRun, GateStatus } from '../../schema/gate-run.ts';
import { compareGateRuns } from './compare.ts';

const result = (name: string, status: GateStatus, failingTests: string[] = [], mode: GateResult['mode'] = 'required'): GateResult => ({
  name,
  command: ['npm', 'run', name],
  mode,
  status,
  exitCode: status === 'pass' ? 0 : 1,
  signal: null,
  durationMs: 10,
  timeoutMs: 1000,
  outputTail: '',
  parser: 'auto',
  failingTests,
});
const runOf = (results: GateResult[]): GateRun => ({
  schemaVersion: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  cwd: '/repo',
  ok: true,
  results,
});

describe('compareGateRuns', () => {
  test('classifies every gate and lists only required regressions', () => {
    const baseline = runOf([
      result('typecheck', 'pass'),
      result('lint', 'fail'),
      result('test', 'fail', ['a > old']),
      result('e2e', 'pass', [], 'advisory'),
      result('vet', 'pass'),
      result('build', 'skipped'),
      result('gone', 'pass'),
      result('slow', 'pass'),
    ]);
    const latest = runOf([
      result('typecheck', 'error'),
      result('lint', 'pass'),
      result('test', 'fail', ['a > old', 'a > new']),
      result('e2e', 'fail', [], 'advisory'),
      result('vet', 'pass'),
      result('build', 'fail'),
      result('fresh', 'fail'),
      result('slow', 'timeout'),
    ]);
    const cmp = compareGateRuns(baseline, latest);
    expect(cmp.gates.map((g) => [g.name, g.change])).toEqual([
      ['typecheck', 'regressed'],
      ['lint', 'fixed'],
      ['test', 'still_failing'],
      ['e2e', 'regressed'],
      ['vet', 'still_passing'],
      ['build', 'new'],
      ['fresh', 'new'],
      ['slow', 'regressed'],
      ['gone', 'not_run'],
    ]);
    // `test` was failing before the session: not a regression, though it names the new failure.
    expect(cmp.regressions).toEqual(['typecheck', 'slow']);
    expect(cmp.ok).toBe(false);
    expect(cmp.gates.find((g) => g.name === 'test')).toMatchObject({ baseline: 'fail', latest: 'fail', newlyFailingTests: ['a > new'], fixedTests: [] });
  });
  test('newly failing and fixed tests across a regression and a fix', () => {
    const cmp = compareGateRuns(runOf([result('test', 'pass'), result('py', 'fail', ['t::x', 't::y'])]), runOf([result('test', 'fail', ['s > broke']), result('py', 'pass')]));
    expect(cmp.gates[0]).toMatchObject({ change: 'regressed', newlyFailingTests: ['s > broke'] });
    expect(cmp.gates[1]).toMatchObject({ change: 'fixed', fixedTests: ['t::x', 't::y'], newlyFailingTests: [] });
  });
  test('a gate skipped now is not_run, not fixed', () => {
    const cmp = compareGateRuns(runOf([result('test', 'fail', ['x'])]), runOf([result('test', 'skipped')]));
    expect(cmp.gates[0]).toMatchObject({ change: 'not_run', fixedTests: [] });
    expect(cmp.ok).toBe(true);
  });
  test('property: a run compared with itself never regresses and never fixes', () => {
    const status = fc.constantFrom<GateStatus>('pass', 'fail', 'error', 'timeout', 'skipped');
    const gate = fc.record({ name: fc.stringMatching(/^[a-z]{1,6}$/), status, tests: fc.array(fc.stringMatching(/^[a-z]{1,4}$/), { maxLength: 4 }) });
    fc.assert(
      fc.property(fc.uniqueArray(gate, { selector: (g) => g.name, maxLength: 8 }), (gates) => {
        const run = runOf(gates.map((g) => result(g.name, g.status, g.tests)));
        const cmp = compareGateRuns(run, run);
        expect(cmp.regressions).toEqual([]);
        for (const g of cmp.gates) {
          expect(['still_passing', 'still_failing', 'new']).toContain(g.change);
          expect(g.newlyFailingTests).toEqual([]);
        }
      }),
    );
  });
});
