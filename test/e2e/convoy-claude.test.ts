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

const SQL = 'const q = "SELECT * FROM users WHERE id = " + id;';

/**
 * An agent script (under `agentScenario`) that writes an SQL injection, says done, then fixes it and
 * says done again; a security reviewer (scenario `sec`) that flags it the first time and passes the
 * fix. Returns a repository whose config enables only that reviewer.
 */
async function sqlReviewRig(agentScenario: string): Promise<{ repo: string; d: ModelDouble }> {
  const finding = { reviewer: 'security', severity: 'critical', file: 'app.js', line: 1, quote: SQL, finding: 'SQL injection', suggestion: 'use a parameterised query' };
  const d = await startModelDouble({
    [agentScenario]: {
      cursor: 'shared',
      turns: [
        turn.bash(`echo '${SQL}' > app.js`, { input: 1000, output: 20 }),
        turn.text('Query added.\nORCH_DONE', { input: 1000, output: 10 }),
        turn.bash(`echo 'const q = db.prepare("SELECT * FROM users WHERE id = ?");' > app.js`, { input: 1000, output: 20 }),
        turn.text('Parameterised.\nORCH_DONE', { input: 1000, output: 10 }),
      ],
    },
    sec: { cursor: 'shared', turns: [turn.structured({ findings: [finding] }, { input: 2000, output: 100 }), turn.structured({ findings: [] }, { input: 2000, output: 20 })] },
  });
  const cfg = ['review:', '  reviewers:', '    architecture: { enabled: false }', '    quality: { enabled: false }', '    security:', '      prompt: "[scenario:sec] You review security."', ''].join('\n');
  double = d;
  return { repo: gitRepo({ 'README.md': '# r\n', '.orch/config.yaml': cfg }), d };
}

describe('orch convoy --require-review', () => {
  it('a critical security finding blocks the merge and sends the issue back; the fixed branch passes review and lands', async () => {
    const { repo, d } = await sqlReviewRig('work');
    const tasks = path.join(tempDir(), 'tasks.yaml');
    writeFileSync(tasks, 'tasks:\n  - id: Q\n    title: add the user query\n    description: "[scenario:work] add the query"\n');
    const { env } = claudeDoubleEnv({ baseUrl: d.url, maxRetries: 0, configDir: tempDir('orch-cc-') });
    const id = /created convoy (\S+)/.exec(orch(repo, ['convoy', 'create', 'rv', 'Q', '--epic', 'rv', '--tasks', tasks, '--require-review', '--sessions', '1'], env).stdout)![1]!;
    const run = await orchAsync(repo, ['convoy', 'run', id, '--workers', '1', '--poll', '0.2'], env, { timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Q sent back: review blocked the merge: security critical app\.js:1 SQL injection/);
    expect(run.stdout).toMatch(/finished; done 1/);
    expect(g(repo, 'show', `orch/${id}/integration:app.js`)).toMatch(/prepare/);
    // The merge queue's review sessions belong to the convoy: its metrics count the finding and its fix.
    const m = orch(repo, ['metrics', 'convoy', id, '--epic', 'rv', '--json'], env);
    expect(m.code, m.stderr).toBe(0);
    const reviewers = (m.json() as { metrics: { aggregate: { reviewers: Record<string, { raised: number; addressed: number; open: number }> } } }).metrics.aggregate.reviewers;
    expect(reviewers.security).toMatchObject({ raised: 1, addressed: 1, open: 0 });
  }, 240_000);
});

describe('orch run --review-every', () => {
  it('a blocking review keeps "done" from ending the run; the next session gets the finding and fixes it', async () => {
    const { repo, d } = await sqlReviewRig('default');
    const { env } = claudeDoubleEnv({ baseUrl: d.url, maxRetries: 0, configDir: tempDir('orch-cc-') });
    const r = await orchAsync(repo, ['run', '--epic', 'rv', '--review-every', '1', '--max-sessions', '3', 'Add the user query'], env, { timeoutMs: 200_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/session 1 completed: the agent said done, but the review blocked it: security critical app\.js:1 SQL injection/);
    // The review ran as session 2 of the epic (its cost is the epic's); the agent's next session is 3.
    expect(r.stdout).toMatch(/3 +completed .*the agent reports the task done/);
    const second = d.requests.filter((q) => q.kind === 'turn' && q.scenario !== 'sec')[2]!;
    expect(second.rawBody).toMatch(/SQL injection/);
  }, 200_000);
});
