import { describe, expect, test } from 'vitest';
import type { GateResult, GateRun } from '../../schema/gate-run.ts';
import { displayCommand, renderGateRun } from './gates.ts';

const base: Omit<GateResult, 'name' | 'command' | 'status'> = {
  mode: 'required',
  exitCode: 0,
  signal: null,
  durationMs: 1200,
  timeoutMs: 600_000,
  outputTail: '',
  parser: 'none',
  failingTests: [],
};
const run: GateRun = {
  schemaVersion: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:09.500Z',
  cwd: '/repo',
  head: '0123456789abcdef0123456789abcdef01234567',
  ok: false,
  results: [
    { ...base, name: 'typecheck', command: ['npx', '--no', 'tsc', '--noEmit'], status: 'pass' },
    {
      ...base,
      name: 'test',
      command: ['npm', 'run', 'test'],
      status: 'fail',
      exitCode: 1,
      durationMs: 3400,
      parser: 'vitest',
      counts: { passed: 10, failed: 2, skipped: 1, total: 13 },
      failingTests: ['a.test.ts > adds', 'b.test.ts > subtracts', 'c.test.ts > x'],
      outputTail: 'line 1\nline 2\n\nline 4\n Tests  2 failed | 10 passed | 1 skipped (13)',
    },
    { ...base, name: 'e2e', command: ['sh', '-c', "playwright test --project 'chromium'"], status: 'timeout', exitCode: null, signal: 'SIGTERM', durationMs: 5000, reason: 'killed after 5000 ms', mode: 'advisory' },
    { ...base, name: 'lint', command: ['eslint', '.'], status: 'error', exitCode: null, durationMs: 3, reason: 'command not found: eslint' },
    { ...base, name: 'build', command: ['npm', 'run', 'build'], status: 'skipped', exitCode: null, durationMs: 0, reason: 'disabled', mode: 'advisory' },
  ],
};

describe('renderGateRun', () => {
  test('a table of gates, then failing tests and output tails of the gates that did not pass', () => {
    expect(renderGateRun(run, { color: false, tailLines: 3, maxTests: 2 })).toBe(
      [
        'Gates failed  1 pass, 1 fail, 1 timeout, 1 error, 1 skipped  (9.5s at 0123456789ab)',
        '',
        '  ✔ typecheck  pass        1.2s  npx --no tsc --noEmit',
        '  ✖ test       fail        3.4s  npm run test  10/13 passed, 2 failed, 1 skipped · exit 1',
        "  ⏱ e2e        timeout     5.0s  playwright test --project 'chromium'  killed after 5000 ms · advisory",
        '  ! lint       error       0.0s  eslint .  command not found: eslint',
        '  - build      skipped           npm run build  disabled · advisory',
        '',
        'test (fail)',
        '  failing tests (3):',
        '    ✖ a.test.ts > adds',
        '    ✖ b.test.ts > subtracts',
        '    … 1 more (see --json)',
        '  output (last 3 lines):',
        '    │ ',
        '    │ line 4',
        '    │  Tests  2 failed | 10 passed | 1 skipped (13)',
        '',
        'e2e (timeout: killed after 5000 ms)',
        '',
        'lint (error: command not found: eslint)',
        '',
      ].join('\n'),
    );
  });
  test('color only when asked', () => {
    expect(renderGateRun(run, { color: true })).toContain('\u001b[31m✖');
    expect(renderGateRun(run, { color: false })).not.toContain('\u001b');
  });
  test('an empty run', () => {
    expect(renderGateRun({ ...run, ok: true, head: undefined, results: [] }, { color: false })).toBe('Gates passed  no gates  (9.5s)\n');
  });
  test('commands are shown as a user would type them', () => {
    expect(displayCommand(['sh', '-c', 'npm test && echo ok'])).toBe('npm test && echo ok');
    expect(displayCommand(['git', 'commit', '-m', "it's done"])).toBe("git commit -m 'it'\\''s done'");
  });
});
