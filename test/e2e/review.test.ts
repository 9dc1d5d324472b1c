import { afterEach, describe, expect, it } from 'vitest';
import { openGitDeps } from '../../src/adapters/open.ts';
import { claudeDoubleEnv } from '../../src/adapters/model-double/claude-env.ts';
import { startModelDouble, turn, type ModelDouble } from '../../src/adapters/model-double/index.ts';
import type { ScenarioInput } from '../../src/adapters/model-double/scenario.ts';
import { loadReviewEfficacy, reviewAddressed, reviewGate } from '../../src/adapters/review/wiring.ts';
import { REVIEW_EVENT } from '../../src/core/review/events.ts';
import { listPriceUsd } from '../support/claude-double.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { g, gitRepo, tempDir, write } from '../support/repo.ts';

let double: ModelDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

/** Reviewers whose prompts select their own model-double script, so parallel runs do not mix. */
function config(reviewers: Record<string, { scenario: string; blocking?: boolean }>, extra = ''): string {
  const lines = Object.entries(reviewers).flatMap(([name, r]) => [
    `    ${name}:`,
    `      prompt: "[scenario:${r.scenario}] You review ${name}."`,
    ...(r.blocking === undefined ? [] : [`      blocking: ${r.blocking}`]),
  ]);
  const off = ['architecture', 'quality'].filter((n) => !(n in reviewers)).map((n) => `    ${n}: { enabled: false }`);
  return ['review:', '  reviewers:', ...off, ...lines, extra].join('\n') + '\n';
}

async function rig(cfg: string, scenarios: Record<string, ScenarioInput>): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  double = await startModelDouble(scenarios);
  const dir = gitRepo({ 'README.md': '# app\n', '.orch/config.yaml': cfg });
  const env = claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0, configDir: tempDir('orch-cc-') }).env;
  // The epic begins here: its first checkpoint records this HEAD, the default start of the diff.
  expect(orch(dir, ['session', 'start', '--epic', 'e'], env).code).toBe(0);
  expect(orch(dir, ['session', 'complete', '--epic', 'e', '--outcome', 'success', '--no-gates'], env).code).toBe(0);
  return { dir, env };
}

const finding = (f: { severity: string; file: string; line: number; quote: string; finding: string; reviewer: string }): Record<string, unknown> => ({ suggestion: 'fix it', ...f });
const SQL = 'const q = "SELECT * FROM users WHERE id = " + id;';
const turns = (): number => (double?.requests ?? []).filter((r) => r.kind === 'turn').length;
function defined<T>(v: T | undefined): T {
  expect(v).toBeDefined();
  return v as T;
}

interface Finding {
  findingId: string;
  reviewer: string;
  severity: string;
  file: string;
  line: number;
  blocking: boolean;
}
interface ReviewJson {
  ok: boolean;
  empty: boolean;
  findings: Finding[];
  blocking: Finding[];
  dropped: number;
  costUsd: number;
  errors: { reviewer: string; kind: string }[];
  reviewers: { reviewer: string; status: string; findings: number; dropped: number }[];
}

describe('orch review with the real Claude Code and the model double', () => {
  it('a critical security finding blocks and is recorded; a made-up quote is dropped; a fixing commit addresses it; dismissal and efficacy', async () => {
    const { dir, env } = await rig(config({ security: { scenario: 'sec' }, quality: { scenario: 'qual' } }), {
      sec: {
        turns: [
          turn.structured(
            {
              findings: [
                finding({ reviewer: 'security', severity: 'critical', file: 'src/db.ts', line: 2, quote: SQL, finding: 'SQL injection: id is concatenated into the query' }),
                finding({ reviewer: 'security', severity: 'high', file: 'src/db.ts', line: 9, quote: 'eval(req.body.code)', finding: 'eval of user input' }),
              ],
            },
            { input: 2000, output: 300 },
          ),
        ],
      },
      qual: {
        turns: [turn.structured({ findings: [finding({ reviewer: 'quality', severity: 'low', file: 'b/src/util.ts', line: 1, quote: '+export const add = (a, b) => a - b;', finding: 'add subtracts' })] }, { input: 1500, output: 100 })],
      },
    });
    write(dir, { 'src/db.ts': `export function find(id) {\n  ${SQL}\n  return q;\n}\n` });
    g(dir, 'add', '-A');
    g(dir, 'commit', '-q', '-m', 'query users');
    write(dir, { 'src/util.ts': 'export const add = (a, b) => a - b;\n' }); // uncommitted work is reviewed too

    const r = await orchAsync(dir, ['review', 'run', '--epic', 'e', '--json'], env);
    expect(r.code, r.stderr).toBe(1);
    const out = r.json() as unknown as ReviewJson;
    expect(out.ok).toBe(false);
    expect(out.reviewers.map((s) => [s.reviewer, s.status, s.findings, s.dropped]).sort()).toEqual([['quality', 'ok', 1, 0], ['security', 'ok', 1, 1]]);
    expect(out.dropped).toBe(1);
    expect(out.blocking).toHaveLength(1);
    const critical = defined(out.blocking[0]);
    expect(critical).toMatchObject({ reviewer: 'security', severity: 'critical', file: 'src/db.ts', line: 2, blocking: true });
    const low = defined(out.findings.find((f) => f.reviewer === 'quality'));
    expect(low).toMatchObject({ file: 'src/util.ts', blocking: false });
    expect(turns()).toBe(2);
    expect(out.costUsd).toBeCloseTo(listPriceUsd(2000, 300) + listPriceUsd(1500, 100), 6);

    // Recorded: findings as events, the reviewer cost in the epic's spend, the blocker in the next brief.
    const { deps, repo, store } = await openGitDeps(dir);
    const events = await store.readEvents('e');
    expect(events.filter((e) => e.type === REVIEW_EVENT.finding).map((e) => e.findingId).sort()).toEqual([critical.findingId, low.findingId].sort());
    const status = orch(dir, ['cost', 'status', '--epic', 'e', '--json'], env).json() as { spent: number };
    expect(status.spent).toBeCloseTo(out.costUsd, 6);
    const brief = orch(dir, ['brief', '--epic', 'e'], env).stdout;
    expect(brief).toMatch(new RegExp(`What didn't work[\\s\\S]*${critical.findingId}[^\\n]*SQL injection`));
    expect(brief).not.toContain(low.findingId); // not blocking: not a blocker

    // A commit that leaves the quoted line alone does not address it; one that changes it does.
    write(dir, { 'src/db.ts': `// users\nexport function find(id) {\n  ${SQL}\n  return q;\n}\n` });
    g(dir, 'commit', '-q', '-am', 'comment');
    expect(await reviewAddressed(store, repo, 'e')).toEqual([]);
    write(dir, { 'src/db.ts': '// users\nexport function find(id) {\n  const q = sql`SELECT * FROM users WHERE id = ${id}`;\n  return q;\n}\n' });
    g(dir, 'commit', '-q', '-am', 'parameterise');
    const fix = g(dir, 'rev-parse', 'HEAD').trim();
    // No review runs after the fix: orch metrics itself finds the quoted line changed and records it addressed.
    const metrics = orch(dir, ['metrics', 'epic', 'e', '--json'], env).json() as { metrics: { aggregate: { reviewers: Record<string, { raised: number; addressed: number }> } } };
    expect(metrics.metrics.aggregate.reviewers.security).toMatchObject({ raised: 1, addressed: 1 });
    const addressed = (await store.readEpicEvents('e')).filter((e) => e.type === REVIEW_EVENT.addressed);
    expect(addressed).toEqual([expect.objectContaining({ findingId: critical.findingId, reviewer: 'security', commit: fix })]);
    expect(await reviewAddressed(deps, repo, 'e')).toEqual([]); // recorded once

    const d = orch(dir, ['review', 'dismiss', low.findingId, '--reason', 'intended', '--json'], env);
    expect(d.code, d.stderr).toBe(0);
    expect(orch(dir, ['review', 'dismiss', 'rvf_NOPE', '--epic', 'e'], env).code).toBe(2);
    expect(await loadReviewEfficacy(store, repo, 'e')).toEqual({
      security: { raised: 1, addressed: 1, dismissed: 0, open: 0, dropped: 1, errors: 0, runs: 1 },
      quality: { raised: 1, addressed: 0, dismissed: 1, open: 0, dropped: 0, errors: 0, runs: 1 },
    });
  });

  it('a crash (HTTP 500), a hang killed by the timeout and an answer failing the schema are reviewer errors, never a pass', async () => {
    const reviewers = { crash: { scenario: 'crash' }, hang: { scenario: 'hang' }, schema: { scenario: 'schema' }, security: { scenario: 'clean' } };
    const badAnswer = { findings: [finding({ reviewer: 'schema', severity: 'catastrophic', file: 'a.ts', line: 1, quote: 'export const a = 1;', finding: 'x' })] };
    const { dir, env } = await rig(config(reviewers, '  timeoutSeconds: 12\n  stallSeconds: 10'), {
      crash: { turns: [turn.error(500)] },
      hang: { turns: [turn.hang()] },
      schema: { turns: [turn.structured(badAnswer), turn.text('cannot comply')], whenExhausted: 'text' },
      clean: { turns: [turn.structured({ findings: [] })] },
    });
    write(dir, { 'a.ts': 'export const a = 1;\n' });
    const { deps, repo } = await openGitDeps(dir);
    const started = Date.now();
    const gate = await reviewGate(deps, repo, 'e', null, { env });
    // Generous limits: four Claude Code processes start at once next to other suites on 2 cores.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(gate.ok).toBe(false);
    expect(gate.blocking).toEqual([]);
    expect(Object.fromEntries(gate.result.errors.map((e) => [e.reviewer, e.kind]))).toEqual({ crash: 'crash', hang: 'timeout', schema: 'schema' });
    expect(gate.result.reviewers.find((s) => s.reviewer === 'security')).toMatchObject({ status: 'ok', findings: 0 });
    expect(gate.result.errors.find((e) => e.reviewer === 'schema')?.message).toMatch(/rejected: Output does not match required schema: \/findings\/0\/severity/);
    const recorded = (await deps.store.readEvents('e')).filter((e) => e.type === REVIEW_EVENT.error);
    expect(recorded.map((e) => e.reviewer).sort()).toEqual(['crash', 'hang', 'schema']);
  });

  it('an empty diff runs no reviewer and says so; a bad --base is a usage error; a spent budget refuses the review', async () => {
    const { dir, env } = await rig(config({ security: { scenario: 'sec' } }), { sec: { turns: [turn.structured({ findings: [] })] } });
    const r = await orchAsync(dir, ['review', 'run', '--epic', 'e'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to review: epic e has no changes since [0-9a-f]{10}; no reviewer ran/);
    expect(turns()).toBe(0);
    expect((orch(dir, ['session', 'list', '--epic', 'e', '--json'], env).json() as { checkpoints: unknown[] }).checkpoints).toHaveLength(2);
    const bad = await orchAsync(dir, ['review', 'run', '--epic', 'e', '--base', 'no-such-branch'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--base "no-such-branch" is not a commit here/);
    // Reviewers are a session of the epic: a spent budget refuses them like any session.
    write(dir, { 'a.ts': 'export const a = 1;\n' });
    expect(orch(dir, ['cost', 'budget', '0', '--epic', 'e'], env).code).toBe(0);
    const broke = await orchAsync(dir, ['review', 'run', '--epic', 'e'], env);
    expect(broke.code).toBe(1);
    expect(broke.stderr).toMatch(/budget/);
    expect(turns()).toBe(0);
  });
});
