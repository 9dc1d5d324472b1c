import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { systemClock } from '../clock.ts';
import { compareGateRuns } from '../../core/gates/compare.ts';
import { detectGates } from '../../core/gates/detect.ts';
import { planGates, type GatePlan, type PlannedGate } from '../../core/gates/plan.ts';
import { GatesConfig } from '../../schema/gates-config.ts';
import { parseGateRunJson } from '../../schema/gate-run.ts';
import { fsProbe } from './probe-fs.ts';
import { runGates, type GateEvent } from './run-gates.ts';

const root = mkdtempSync(join(tmpdir(), 'orch-gates-run-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
const VITEST_BIN = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'vitest');
const hasPytest = spawnSync('pytest', ['--version']).status === 0;

function project(name: string, files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  if (opts.git) {
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'init');
  }
  return dir;
}
/**
 * A developer's environment: no CI flag and bytecode writing on (this sandbox sets
 * PYTHONDONTWRITEBYTECODE), so the tests prove runGates itself keeps the tree clean.
 * Plugin autoload is off only because this machine's pytest plugins slow every run.
 */
function devEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' };
  delete env.CI;
  delete env.PYTHONDONTWRITEBYTECODE;
  return env;
}
const gitStatus = (dir: string): string =>
  execFileSync('git', ['status', '--porcelain=v1', '--untracked-files=all', '--ignored'], { cwd: dir, encoding: 'utf8' });

/**
 * Processes of a group that are still running. Not `process.kill(-pgid, 0)`: where PID 1 does not reap
 * orphans (this sandbox's init), killed grandchildren linger as zombies, which that call counts.
 */
function liveGroupMembers(pgid: number): string[] {
  const ps = execFileSync('ps', ['-eo', 'pgid=,pid=,stat=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => {
    const [group, , stat] = l.trim().split(/\s+/);
    return group === String(pgid) && !stat?.startsWith('Z');
  });
}

const gate = (name: string, command: string[], extra: Partial<PlannedGate> = {}): PlannedGate => ({
  name,
  command,
  mode: 'required',
  order: 0,
  enabled: true,
  timeoutMs: 20_000,
  parser: 'auto',
  source: 'test',
  ...extra,
});
const plan = (...gates: PlannedGate[]): GatePlan => ({ gates });

const NODE_TESTS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add } from './add.mjs';
test('adds', () => assert.equal(add(1, 2), 3));
test('adds negatives', () => assert.equal(add(-1, -2), -3));
`;
const nodeProject = (name: string, add: string, git = false): string =>
  project(name, { 'package.json': JSON.stringify({ name, private: true, type: 'module', scripts: { test: 'node --test' } }), 'add.test.mjs': NODE_TESTS, 'add.mjs': add }, { git });

describe('runGates on real projects', () => {
  test('node --test: detected, planned and run; a broken function is a regression naming the test', async () => {
    const dir = nodeProject('node-proj', 'export const add = (a, b) => a + b;\n', true);
    const steps = planGates(detectGates(fsProbe(dir)));
    expect(steps.gates.map((g) => g.command.join(' '))).toEqual(['npm run test']);
    const baseline = await runGates(steps, { cwd: dir, clock: systemClock });
    expect(baseline.head).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim());
    expect(baseline.ok).toBe(true);
    expect(baseline.results[0]).toMatchObject({ name: 'test', status: 'pass', exitCode: 0, parser: 'node-test', counts: { passed: 2, failed: 0, skipped: 0, total: 2 }, failingTests: [] });

    writeFileSync(join(dir, 'add.mjs'), 'export const add = (a, b) => a - b;\n');
    const latest = await runGates(steps, { cwd: dir, clock: systemClock, head: null });
    expect(latest.head).toBeUndefined();
    expect(latest.ok).toBe(false);
    const r = latest.results[0];
    expect(r).toMatchObject({ status: 'fail', exitCode: 1, counts: { passed: 0, failed: 2, total: 2 }, failingTests: ['adds', 'adds negatives'] });
    expect(r?.outputTail).toMatch(/# fail 2/);
    expect(r?.outputTail.includes('\u001b[')).toBe(false);
    expect(r?.outputTail.length).toBeLessThanOrEqual(4096);

    // The document round-trips through its schema, as stored.
    const stored = parseGateRunJson(JSON.stringify(latest));
    expect(() => parseGateRunJson(JSON.stringify({ ...latest, schemaVersion: 2 }))).toThrow(/schemaVersion 2; this orch reads up to 1/);
    expect(compareGateRuns(baseline, stored)).toMatchObject({ regressions: ['test'], gates: [{ name: 'test', change: 'regressed', newlyFailingTests: ['adds', 'adds negatives'] }] });
  });

  test('vitest from this repository on a tiny project: counts, failing names, and CI=1 writes no snapshot', async () => {
    const dir = project(
      'vitest-proj',
      {
        'package.json': JSON.stringify({ name: 'v', private: true, type: 'module' }),
        '.gitignore': 'node_modules/\n',
        'math.test.mjs': "import { test, expect } from 'vitest';\ntest('adds', () => expect(1 + 1).toBe(2));\ntest('shape', () => expect({ a: 1 }).toMatchSnapshot());\ntest('wrong', () => expect(2 - 1).toBe(3));\n",
      },
      { git: true },
    );
    const steps = planGates([], GatesConfig.parse([{ name: 'test', command: [VITEST_BIN, 'run'], timeout: '30s' }]));
    const before = gitStatus(dir);
    const run = await runGates(steps, { cwd: dir, clock: systemClock, head: null, env: devEnv() });
    expect(run.results[0]).toMatchObject({ status: 'fail', exitCode: 1, parser: 'vitest', counts: { passed: 1, failed: 2, skipped: 0, total: 3 } });
    // In CI a new snapshot is a failure, never a written file.
    expect(run.results[0]?.failingTests).toEqual(['math.test.mjs > shape', 'math.test.mjs > wrong']);
    expect(existsSync(join(dir, '__snapshots__'))).toBe(false);
    expect(gitStatus(dir).split('\n').filter((l) => !l.startsWith('!! node_modules/'))).toEqual(before.split('\n'));
  });

  test('the working tree is unchanged after a run (git status, ignored files included)', async () => {
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'clean', private: true, type: 'module', scripts: { test: 'node --test', lint: 'node --check add.mjs' } }),
      'add.test.mjs': NODE_TESTS,
      'add.mjs': 'export const add = (a, b) => a + b;\n',
    };
    if (hasPytest) Object.assign(files, { 'pytest.ini': '[pytest]\npythonpath = .\n', 'pkg/__init__.py': '', 'pkg/calc.py': 'def add(a, b):\n    return a + b\n', 'tests/test_calc.py': 'from pkg.calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n' });
    const dir = project('clean-proj', files, { git: true });
    const steps = planGates(detectGates(fsProbe(dir)));
    expect(steps.gates.map((g) => g.name)).toEqual(hasPytest ? ['lint', 'test', 'pytest'] : ['lint', 'test']);
    const before = gitStatus(dir);
    const run = await runGates(steps, { cwd: dir, clock: systemClock, env: devEnv() });
    expect(run.results.map((r) => [r.name, r.status])).toEqual(steps.gates.map((g) => [g.name, 'pass']));
    if (hasPytest) expect(run.results[2]?.counts).toEqual({ passed: 1, failed: 0, skipped: 0, total: 1 });
    // No __pycache__, no .pytest_cache, nothing untracked, nothing modified.
    expect(gitStatus(dir)).toBe(before);
    expect(before).toBe('');
  });
});

describe('runGates process handling', () => {
  test('a hung gate is killed at its timeout with its whole process group', async () => {
    const events: GateEvent[] = [];
    const t0 = Date.now();
    const run = await runGates(plan(gate('hang', ['sh', '-c', 'sleep 300 & sleep 300'], { timeoutMs: 300 })), {
      cwd: root,
      clock: systemClock,
      head: null,
      killGraceMs: 200,
      onEvent: (e) => {
        events.push(e);
      },
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(run.results[0]).toMatchObject({ status: 'timeout', exitCode: null, reason: 'killed after 300 ms' });
    const spawned = events.find((e) => e.type === 'gate_spawn');
    if (spawned?.type !== 'gate_spawn') throw new Error('no gate_spawn event');
    expect(liveGroupMembers(spawned.pid)).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['gate_start', 'gate_spawn', 'gate_end']);
  });

  test('a missing command is error, not fail — whether spawned directly or through sh -c', async () => {
    const steps = planGates([], GatesConfig.parse([
      { name: 'argv', command: ['orch-no-such-command-xyz', '--check'] },
      { name: 'shell', command: 'orch-no-such-command-xyz --check' },
    ]));
    const run = await runGates(steps, { cwd: root, clock: systemClock, head: null });
    expect(run.results[0]).toMatchObject({ status: 'error', exitCode: null, reason: 'command not found: orch-no-such-command-xyz' });
    expect(run.results[1]).toMatchObject({ status: 'error', exitCode: 127 });
    expect(run.results[1]?.reason).toMatch(/^command not found: .*orch-no-such-command-xyz.*not found/);
    expect(run.ok).toBe(false);
  });

  test('exit codes: non-zero is fail with its code; advisory failures and disabled gates leave ok alone', async () => {
    const run = await runGates(
      plan(
        gate('ok', ['sh', '-c', 'echo fine']),
        gate('three', ['sh', '-c', 'echo bad >&2; exit 3'], { mode: 'advisory' }),
        gate('off', ['sh', '-c', 'exit 1'], { enabled: false }),
        gate('env', ['sh', '-c', 'test "$CI" = 1 && test "$NO_COLOR" = 1 && test -z "$FORCE_COLOR"']),
      ),
      { cwd: root, clock: systemClock, head: null, env: { ...process.env, FORCE_COLOR: '1' } },
    );
    expect(run.results.map((r) => [r.name, r.status, r.exitCode])).toEqual([
      ['ok', 'pass', 0],
      ['three', 'fail', 3],
      ['off', 'skipped', null],
      ['env', 'pass', 0],
    ]);
    expect(run.results[0]?.outputTail).toBe('fine');
    expect(run.results[1]?.outputTail).toBe('bad');
    expect(run.results[2]?.reason).toBe('disabled');
    expect(run.ok).toBe(true);
    expect(Date.parse(run.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
  });

  test('cancelling stops the running gate (error: cancelled) and skips the rest', async () => {
    const ac = new AbortController();
    const run = await runGates(plan(gate('first', ['sh', '-c', 'sleep 300']), gate('second', ['sh', '-c', 'exit 0'])), {
      cwd: root,
      clock: systemClock,
      head: null,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'gate_spawn') setTimeout(() => {
          ac.abort();
        }, 100);
      },
    });
    expect(run.results.map((r) => [r.name, r.status, r.reason])).toEqual([
      ['first', 'error', 'cancelled'],
      ['second', 'skipped', 'cancelled'],
    ]);
  });
});
