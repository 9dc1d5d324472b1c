import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orch } from '../support/cli.ts';
import { g, gitRepo, userState, write } from '../support/repo.ts';

/** Epics recorded from real runs (test/fixtures/learning/record.ts): `fixing` and `spending`. */
const BUNDLE = path.resolve(import.meta.dirname, '../fixtures/learning/recorded.bundle');
const USER_TEXT = '# My project\n\nAlways use tabs.\n';

function recordedRepo(files: Record<string, string> = { 'CLAUDE.md': USER_TEXT }): string {
  const dir = gitRepo(files);
  g(dir, 'fetch', '-q', BUNDLE, 'refs/orchestration/*:refs/orchestration/*');
  return dir;
}

interface Learning {
  id: string;
  kind: string;
  evidence: string[];
}
const reflect = (dir: string, epic: string): { id: string; learnings: Learning[] } => {
  const r = orch(dir, ['reflect', 'epic', epic, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (r.json() as { reflection: { id: string; learnings: Learning[] } }).reflection;
};

describe('orch reflect on recorded runs', () => {
  it('learnings with evidence; dry-run diff; apply once (user text untouched); applying twice changes nothing; pending dedupes', () => {
    const dir = recordedRepo();
    const r = reflect(dir, 'fixing');
    expect(r.learnings.map((l) => l.kind)).toEqual(['repeated_command_failure', 'gate_correction', 'permission_denial']);
    expect(r.learnings.every((l) => l.evidence.every((id) => id.startsWith('ev_')))).toBe(true);

    const dry = orch(dir, ['reflect', 'apply', r.id, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^diff --git a\/CLAUDE\.md b\/CLAUDE\.md/m);
    expect(dry.stdout).toMatch(/^\+- \*\*`ls missing-dir` failed 3 times\*\*/m);
    expect(readFileSync(path.join(dir, 'CLAUDE.md'), 'utf8')).toBe(USER_TEXT);

    const applied = orch(dir, ['reflect', 'apply', r.id]);
    expect(applied.code, applied.stderr).toBe(0);
    const after = readFileSync(path.join(dir, 'CLAUDE.md'), 'utf8');
    expect(after.startsWith(USER_TEXT)).toBe(true);
    for (const l of r.learnings) expect(after).toContain(`<!-- orch:id ${l.id} -->`);

    const again = orch(dir, ['reflect', 'apply', r.id]);
    expect(again.stdout).toMatch(/nothing to change/);
    expect(readFileSync(path.join(dir, 'CLAUDE.md'), 'utf8')).toBe(after);

    // A second reflection of the same epic finds the same (already applied) learnings: nothing pending but the budget one.
    reflect(dir, 'fixing');
    reflect(dir, 'spending');
    const pending = orch(dir, ['reflect', 'pending', '--json']).json() as { pending: { learning: Learning }[] };
    expect(pending.pending.map((p) => p.learning.kind)).toEqual(['budget_overrun']);
    const list = orch(dir, ['reflect', 'list', '--json']).json() as { reflections: { learnings: number; applied: number }[] };
    expect(list.reflections.map((x) => [x.learnings, x.applied])).toEqual([[3, 3], [3, 0], [1, 0]]);
    expect(orch(dir, ['reflect', 'report', '--output', 'LEARNINGS.md']).code).toBe(0);
    expect(readFileSync(path.join(dir, 'LEARNINGS.md'), 'utf8')).toMatch(/applied to CLAUDE\.md[\s\S]*pending/);
  });

  it('--branch commits on a new branch via plumbing: HEAD, index and working tree stay as they were', () => {
    const dir = recordedRepo({ 'CLAUDE.md': USER_TEXT, 'AGENTS.md': '# agents\n' });
    write(dir, { 'wip.txt': 'uncommitted\n' });
    g(dir, 'add', 'wip.txt');
    const before = userState(dir);
    const r = reflect(dir, 'fixing');
    const res = orch(dir, ['reflect', 'apply', r.id, '--branch', 'orch/learnings', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const after = userState(dir);
    expect({ ...after, branches: '' }).toEqual({ ...before, branches: '' });
    expect(g(dir, 'log', '-1', '--format=%P', 'orch/learnings').trim()).toBe(g(dir, 'rev-parse', 'HEAD').trim());
    expect(g(dir, 'diff', '--name-only', 'HEAD', 'orch/learnings').trim().split('\n')).toEqual(['AGENTS.md', 'CLAUDE.md']);
    expect(g(dir, 'show', 'orch/learnings:CLAUDE.md').startsWith(USER_TEXT)).toBe(true);
    expect(orch(dir, ['reflect', 'apply', r.id, '--branch', 'orch/learnings']).code).toBe(2); // exists: refused
  });

  it('bad input: unknown ids exit 2 with a hint; a read-only rule file is a clear error and nothing is written or recorded', () => {
    const dir = recordedRepo();
    for (const args of [['reflect', 'epic', 'nope'], ['reflect', 'apply', 'refl_nope'], ['reflect', 'convoy', 'cv_nope'], ['metrics', 'epic', 'nope'], ['metrics', 'report', 'nope']]) {
      const r = orch(dir, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: no .+ — .+/m); // what is missing, and where to look
    }
    expect(orch(dir, ['reflect', 'epic', '../x']).stderr).toMatch(/invalid epic id/);
    const r = reflect(dir, 'fixing');
    const file = path.join(dir, 'CLAUDE.md');
    chmodSync(file, 0o444);
    const res = orch(dir, ['reflect', 'apply', r.id]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/CLAUDE\.md is read-only; nothing was written — make it writable/);
    expect(readFileSync(file, 'utf8')).toBe(USER_TEXT);
    const list = orch(dir, ['reflect', 'list', '--json']).json() as { reflections: { applied: number }[] };
    expect(list.reflections[0]?.applied).toBe(0);
  });
});

interface Applied {
  files: { file: string; added: string[]; created: boolean }[];
  added: string[];
}
const applyJson = (dir: string, id: string, extra: string[] = []): Applied => {
  const r = orch(dir, ['reflect', 'apply', id, '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return r.json() as unknown as Applied;
};

describe('orch reflect apply: which rule files', () => {
  it('.claude/rules is detected: orch writes its own file there (beside AGENTS.md), never the user\'s rule files; CLAUDE.md is not created', () => {
    const STYLE = '# style\n\nUse tabs.\n';
    const dir = recordedRepo({ 'AGENTS.md': '# agents\n', '.claude/rules/style.md': STYLE });
    const r = reflect(dir, 'fixing');
    const dry = applyJson(dir, r.id, ['--dry-run']);
    expect(dry.files.map((f) => [f.file, f.created])).toEqual([['AGENTS.md', false], ['.claude/rules/orch-learnings.md', true]]);
    expect(existsSync(path.join(dir, '.claude/rules/orch-learnings.md'))).toBe(false);
    const res = applyJson(dir, r.id);
    expect(res.added.sort()).toEqual(r.learnings.map((l) => l.id).sort());
    const ours = readFileSync(path.join(dir, '.claude/rules/orch-learnings.md'), 'utf8');
    for (const l of r.learnings) {
      expect(ours).toContain(`<!-- orch:id ${l.id} -->`);
      expect(readFileSync(path.join(dir, 'AGENTS.md'), 'utf8')).toContain(`<!-- orch:id ${l.id} -->`);
    }
    expect(readFileSync(path.join(dir, 'AGENTS.md'), 'utf8').startsWith('# agents\n')).toBe(true);
    expect(readFileSync(path.join(dir, '.claude/rules/style.md'), 'utf8')).toBe(STYLE);
    expect(existsSync(path.join(dir, 'CLAUDE.md'))).toBe(false);
    expect(applyJson(dir, r.id).added).toEqual([]); // twice: nothing
  });

  it('learning.ruleFiles in .orch/config.yaml picks the files (created, with their directory); files outside the repository or an empty list are refused', () => {
    const cfg = (files: string): string => `# keep\nlearning:\n  ruleFiles: ${files}\n`;
    const dir = recordedRepo({ 'CLAUDE.md': USER_TEXT, 'AGENTS.md': '# agents\n', '.orch/config.yaml': cfg('[docs/agents/RULES.md, AGENTS.md, ./AGENTS.md]') });
    const r = reflect(dir, 'fixing');
    const res = applyJson(dir, r.id);
    expect(res.files.map((f) => [f.file, f.created])).toEqual([['docs/agents/RULES.md', true], ['AGENTS.md', false]]); // ./AGENTS.md is AGENTS.md
    for (const l of r.learnings) expect(readFileSync(path.join(dir, 'docs/agents/RULES.md'), 'utf8')).toContain(`<!-- orch:id ${l.id} -->`);
    expect(readFileSync(path.join(dir, 'CLAUDE.md'), 'utf8')).toBe(USER_TEXT); // present, but not configured
    const list = orch(dir, ['reflect', 'report']).stdout;
    expect(list).toMatch(/applied to docs\/agents\/RULES\.md, AGENTS\.md/);

    for (const [files, msg] of [
      ['[../outside.md]', /rule file "\.\.\/outside\.md" is outside the repository/],
      ['[]', /learning\.ruleFiles: /],
    ] as const) {
      write(dir, { '.orch/config.yaml': cfg(files) });
      const bad = orch(dir, ['reflect', 'apply', r.id]);
      expect(bad.code, files).toBe(2);
      expect(bad.stderr).toMatch(msg);
    }
    expect(existsSync(path.join(dir, '..', 'outside.md'))).toBe(false);
  });
});

describe('orch metrics on recorded runs', () => {
  it('epic metrics with "no data" where nothing was measured; saved with history; compare; summary; md report', () => {
    const dir = recordedRepo();
    const m = orch(dir, ['metrics', 'epic', 'fixing', '--save', '--json']).json() as { metrics: { aggregate: Record<string, unknown>; issues: Record<string, unknown>[] }; version: number };
    expect(m.version).toBe(1);
    expect(m.metrics.issues).toEqual([expect.objectContaining({ issueId: 'fixing', sessions: 2, corrections: 1, costUsd: 0.084, successful: true, firstTimeSuccess: false, leadTimeMinutes: null })]);
    expect(m.metrics.aggregate).toMatchObject({ totalCostUsd: 0.084, successRate: 1, firstTimeSuccessRate: 0, corrections: 1 });
    expect(orch(dir, ['metrics', 'epic', 'fixing', '--save', '--json']).json()).toMatchObject({ version: 2 });
    const text = orch(dir, ['metrics', 'epic', 'spending']).stdout;
    expect(text).toMatch(/cost per success\s+no data/);
    expect(text).toMatch(/lead time\s+no data/);
    expect(text).not.toMatch(/cost per success\s+\$0/);
    const cmp = orch(dir, ['metrics', 'compare', 'epic:fixing', 'spending', '--json']).json() as { rows: { metric: string; better: string | null }[] };
    expect(cmp.rows.find((r) => r.metric === 'success rate')?.better).toBe('a');
    expect(orch(dir, ['metrics', 'list', '--json']).json()).toMatchObject({ targets: [{ key: 'epic-fixing', versions: 2 }] });
    expect(orch(dir, ['metrics', 'summary', '--json']).json()).toMatchObject({ targets: ['epic-fixing'], aggregate: { issues: 1 } });
    expect(orch(dir, ['metrics', 'report', 'fixing']).stdout).toMatch(/\| total cost \| \$0\.08 \|/);
  });

  it('report --format json: the saved snapshot as a versioned document, on stdout or to --output; unknown figures stay null', () => {
    const dir = recordedRepo();
    const saved = orch(dir, ['metrics', 'epic', 'spending', '--save', '--json']).json() as { metrics: Record<string, unknown> };
    const r = orch(dir, ['metrics', 'report', 'epic:spending', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { schemaVersion: number; metrics: { target: unknown; aggregate: Record<string, unknown> } };
    expect(doc).toEqual({ schemaVersion: 1, metrics: saved.metrics });
    expect(doc.metrics.target).toEqual({ type: 'epic', id: 'spending', epicId: 'spending' });
    expect(doc.metrics.aggregate).toMatchObject({ costPerSuccess: null, leadTime: { count: 0, median: null } }); // "no data", not 0
    const out = orch(dir, ['metrics', 'report', 'spending', '--format', 'json', '--output', 'metrics.json']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^json report written to .*metrics\.json$/m);
    expect(JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'))).toEqual(doc);
    // A live epic (nothing saved under it) reports too.
    const live = JSON.parse(orch(dir, ['metrics', 'report', 'fixing', '--format', 'json']).stdout) as { metrics: { target: { id: string }; issues: unknown[] } };
    expect(live.metrics.target.id).toBe('fixing');
    expect(live.metrics.issues).toHaveLength(1);
    expect(orch(dir, ['metrics', 'report', 'spending', '--format', 'xml']).code).toBe(2);
  });
});
