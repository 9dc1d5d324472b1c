import { afterEach, describe, expect, it } from 'vitest';
import { claudeDoubleEnv } from '../../src/adapters/model-double/claude-env.ts';
import { startModelDouble, turn, type ModelDouble } from '../../src/adapters/model-double/index.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { gitRepo, tempDir, write } from '../support/repo.ts';

const PROJECT = {
  'package.json': JSON.stringify({ name: 'p', type: 'module', scripts: { test: 'node --test' } }),
  'add.js': 'export const add = (a, b) => a + b;\n',
  'add.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from './add.js';\ntest('adds', () => assert.equal(add(1, 2), 3));\n",
};
const BROKEN = 'export const add = (a, b) => a - b;\n';

let double: ModelDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

describe('quality gates around sessions', () => {
  it('session start records a baseline; complete --outcome success is refused on a regression unless --force (recorded)', () => {
    const dir = gitRepo(PROJECT);
    const start = orch(dir, ['session', 'start', '--epic', 'g']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/gates baseline: test pass/);
    write(dir, { 'add.js': BROKEN });
    const refused = orch(dir, ['session', 'complete', '--epic', 'g', '--outcome', 'success']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/gate test regressed \(pass → fail\): adds/);
    expect((orch(dir, ['session', 'status', '--epic', 'g', '--json']).json() as { latest: { status: string } }).latest.status).toBe('running');
    const forced = orch(dir, ['session', 'complete', '--epic', 'g', '--outcome', 'success', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/regressed: test \(completed with --force\)/);
  });

  it('a failure that predates the session is not a regression', () => {
    const dir = gitRepo({ ...PROJECT, 'add.js': BROKEN });
    expect(orch(dir, ['session', 'start', '--epic', 'g']).stdout).toMatch(/test fail/);
    const r = orch(dir, ['session', 'complete', '--epic', 'g', '--outcome', 'success']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('orch run: "done" with a regressed gate is not done; the next session gets it under what didn’t work and fixes it', async () => {
    double = await startModelDouble({
      default: {
        cursor: 'shared',
        turns: [
          // Bash, not Write: Claude Code refuses to overwrite a file it has not read.
          turn.bash(`echo 'export const add = (a, b) => a - b;' > add.js`, { input: 1000, output: 50 }),
          turn.text('Refactored add.\nORCH_DONE', { input: 1000, output: 20 }),
          turn.bash(`echo 'export const add = (a, b) => a + b;' > add.js`, { input: 1000, output: 50 }),
          turn.text('Fixed the regression.\nORCH_DONE', { input: 1000, output: 20 }),
        ],
      },
    });
    const dir = gitRepo(PROJECT);
    const { env } = claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0, configDir: tempDir('orch-cc-') });
    const r = await orchAsync(dir, ['run', '--epic', 'g', 'Refactor add'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 +completed .*the agent said done, but gate test regressed/);
    expect(r.stdout).toMatch(/2 +completed .*task done and the gates hold/);
    const second = double.requests.filter((q) => q.kind === 'turn')[2]!;
    expect(second.rawBody).toMatch(/What didn.t work/);
    expect(second.rawBody).toMatch(/gate test regressed/);
  });

  it('orch run: the baseline is the run\'s: a test broken by session 1 still counts against a later "done"', async () => {
    const dir = gitRepo(PROJECT);
    // Session 1 breaks add and stops without saying done; every later session says done and fixes nothing.
    const agent = `if [ -f .broke ]; then echo 'Nothing left.'; echo ORCH_DONE; else touch .broke; printf '%s' "${BROKEN.trim()}" > add.js; echo 'Refactored add, more to do.'; fi`;
    const r = await orchAsync(dir, ['run', '--epic', 'b', '--agent', 'command', '--command', agent, '--max-sessions', '3', 'Refactor add'], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 +completed .*work remains/);
    expect(r.stdout).toMatch(/2 +completed .*the agent said done, but gate test regressed/);
    expect(r.stdout).not.toMatch(/task done and the gates hold/);
  });
});
