import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeDoubleEnv } from '../../src/adapters/model-double/claude-env.ts';
import { startModelDouble, turn, type ModelDouble } from '../../src/adapters/model-double/index.ts';
import { listPriceUsd } from '../support/claude-double.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

let double: ModelDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

describe('orch convoy with the real Claude Code and the model double', () => {
  it('three issues, two workers: each issue’s script runs in its worktree, all merged and closed, costs add up session → issue → convoy → epic', async () => {
    // Each issue's description carries a [scenario:…] marker, so each worker's Claude follows its own script.
    const script = (file: string, tokens: number): { turns: ReturnType<typeof turn.write>[] } => ({
      turns: [turn.write(file, `${file}\n`, { input: tokens, output: 50 }), turn.text(`Wrote ${file}.\nORCH_DONE`, { input: tokens, output: 10 })],
    });
    double = await startModelDouble({ one: script('one.txt', 1000), two: script('two.txt', 2000), three: script('three.txt', 3000) });
    const repo = gitRepo({ 'README.md': '# r\n' });
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(
      tasks,
      'tasks:\n' +
        ['one', 'two', 'three'].map((n) => `  - id: ${n.toUpperCase()}\n    title: write ${n}.txt\n    description: "[scenario:${n}] create ${n}.txt"\n`).join(''),
    );
    const { env } = claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0, configDir: tempDir('orch-cc-') });
    const created = orch(repo, ['convoy', 'create', 'real', 'ONE', 'TWO', 'THREE', '--epic', 'rc', '--tasks', tasks, '--budget', '1'], env);
    expect(created.code, created.stderr).toBe(0);
    const id = /created convoy (\S+)/.exec(created.stdout)![1]!;
    const run = await orchAsync(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.2'], env, { timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout, run.stderr).toMatch(/finished; done 3/);
    expect(g(repo, 'ls-tree', '--name-only', `orch/${id}/integration`).split('\n')).toEqual(expect.arrayContaining(['one.txt', 'two.txt', 'three.txt']));
    const show = orch(repo, ['convoy', 'show', id, '--json'], env).json() as { spent: number; issues: { id: string; costUsd: number; status: string }[] };
    const expected = { ONE: listPriceUsd(2000, 60), TWO: listPriceUsd(4000, 60), THREE: listPriceUsd(6000, 60) };
    for (const i of show.issues) expect(i.costUsd).toBeCloseTo(expected[i.id as keyof typeof expected], 6);
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(show.spent).toBeCloseTo(total, 6);
    const epic = orch(repo, ['session', 'status', '--epic', 'rc', '--json'], env).json() as { budget: { spent: number } };
    expect(epic.budget.spent).toBeCloseTo(total, 6);
  }, 240_000);
});
