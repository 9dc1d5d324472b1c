import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot, Reflection } from '../../src/schema/learning.ts';
import { agentScript } from '../support/agent-script.ts';
import { orch } from '../support/cli.ts';
import { gitRepo, tempDir } from '../support/repo.ts';

const convoyId = (out: string): string => /created convoy (\S+)/.exec(out)![1]!;
const CREATED = '2026-01-01T00:00:00Z';
type Issue = MetricsSnapshot['issues'][number];

/**
 * Two convoys of epic `lc`, recorded for real (task file tracker, the command agent): in `gates`, G
 * first breaks a test (its session's final gate regresses, the worker is not done) and fixes it on its
 * second attempt, while H lands first time; in `conflict`, Q conflicts with P in the merge queue, is
 * sent back once and lands.
 */
function recordConvoys(): { repo: string; gates: string; conflict: string } {
  const repo = gitRepo({
    'package.json': JSON.stringify({ name: 'p', type: 'module', scripts: { test: 'node --test' } }),
    'ok.test.js': "import { test } from 'node:test';\ntest('ok', () => {});\n",
    'shared.txt': 'line\n',
  });
  const outside = tempDir();
  const task = (id: string): string => `  - id: ${id}\n    title: ${id.toLowerCase()}\n    created_at: "${CREATED}"\n`;
  writeFileSync(path.join(outside, 'gates.yaml'), `tasks:\n${task('G')}${task('H')}`);
  writeFileSync(path.join(outside, 'conflict.yaml'), `tasks:\n${task('P')}${task('Q')}`);
  const agent = agentScript(outside, {
    G: `if [ "$sentback" -gt 0 ]; then rm -f bad.test.js; echo G > G.txt; else printf "import { test } from 'node:test';\\ntest('bad', () => { throw new Error('no'); });\\n" > bad.test.js; fi`,
    P: `echo P > shared.txt; git add -A; git commit -qm P`,
    Q: `if [ "$sentback" -gt 0 ]; then git merge -q "$integ" >/dev/null 2>&1; printf 'P\\nQ\\n' > shared.txt; git add -A; git commit -qm "merge integration"; else sleep 1; echo Q > shared.txt; git add -A; git commit -qm Q; fi`,
  });
  const ids: string[] = [];
  for (const name of ['gates', 'conflict']) {
    // One session per attempt: G's regressing session ends its attempt, the next attempt fixes it.
    const issues = name === 'gates' ? ['G', 'H', '--sessions', '1'] : ['P', 'Q'];
    const created = orch(repo, ['convoy', 'create', name, ...issues, '--epic', 'lc', '--tasks', path.join(outside, `${name}.yaml`), '--agent', 'command', '--command', agent]);
    expect(created.code, created.stderr).toBe(0);
    const id = convoyId(created.stdout);
    const run = orch(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/finished; done 2/);
    ids.push(id);
  }
  return { repo, gates: ids[0]!, conflict: ids[1]! };
}

const byId = (m: MetricsSnapshot): Record<string, Issue> => Object.fromEntries(m.issues.map((i) => [i.issueId, i]));

describe('orch reflect / metrics on a convoy recorded for real', () => {
  it('reflect convoy finds the gate correction with its evidence; metrics convoy --save counts retries, corrections and first-time successes; unknown cost is no data; report --format json is the saved snapshot', () => {
    const { repo, gates, conflict } = recordConvoys();

    // --- reflect convoy: the regressed-then-fixed test gate is a learning resting on real gate.run events.
    const refl = orch(repo, ['reflect', 'convoy', gates, '--epic', 'lc', '--json']);
    expect(refl.code, refl.stderr).toBe(0);
    const r = (refl.json() as { reflection: Reflection }).reflection;
    expect(r.target).toEqual({ type: 'convoy', id: gates, epicId: 'lc' });
    expect(r.stats.sessions).toBe(3); // G twice, H once
    expect(r.stats.events).toBeGreaterThan(0);
    expect(r.learnings.map((l) => [l.kind, l.title])).toEqual([['gate_correction', 'gate test regressed and was fixed 1 time']]);
    expect(r.learnings[0]!.evidence).toHaveLength(2);
    expect(r.learnings[0]!.evidence.every((id) => id.startsWith('ev_'))).toBe(true);
    // The conflicting convoy: one conflict on shared.txt is not yet a pattern (two are): nothing to learn.
    const refl2 = orch(repo, ['reflect', 'convoy', 'conflict', '--epic', 'lc', '--json']); // by name
    expect(refl2.code, refl2.stderr).toBe(0);
    expect((refl2.json() as { reflection: Reflection }).reflection).toMatchObject({ target: { type: 'convoy', id: conflict, epicId: 'lc' }, learnings: [], stats: { sessions: 3 } });
    // The wrong epic is a usage error with a hint, not an empty reflection.
    const wrong = orch(repo, ['reflect', 'convoy', gates, '--epic', 'other']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(new RegExp(`^error: no convoy ${gates} in epic other — .+`, 'm'));
    expect((orch(repo, ['reflect', 'list', '--json']).json() as { reflections: { target: { id: string } }[] }).reflections.map((x) => x.target.id).sort()).toEqual([gates, conflict].sort());

    // --- metrics convoy --save: the gate convoy.
    const saved = orch(repo, ['metrics', 'convoy', gates, '--epic', 'lc', '--save', '--json']);
    expect(saved.code, saved.stderr).toBe(0);
    const gm = saved.json() as { metrics: MetricsSnapshot; saved: boolean; version: number };
    expect(gm).toMatchObject({ saved: true, version: 1 });
    expect(gm.metrics.target).toEqual({ type: 'convoy', id: gates, epicId: 'lc' });
    const gi = byId(gm.metrics);
    // G's worker ended "not done" and was dispatched again (no send-back event): that is a retry.
    expect(gi.G).toMatchObject({ sessions: 2, retries: 1, corrections: 1, successful: true, failed: false, firstTimeSuccess: false, costUsd: null, createdAt: CREATED });
    expect(gi.H).toMatchObject({ sessions: 1, retries: 0, corrections: 0, successful: true, firstTimeSuccess: true, costUsd: null, createdAt: CREATED });
    for (const i of [gi.G!, gi.H!]) {
      expect(i.closedAt).toMatch(/^\d{4}-\d\d-\d\dT/); // from the tracker: the merge closed it
      expect(i.leadTimeMinutes).toBeGreaterThan(0);
      expect(i.cycleTimeMinutes).not.toBeNull();
    }
    expect(gm.metrics.aggregate).toMatchObject({
      issues: 2,
      completed: 2,
      failed: 0,
      inProgress: 0,
      corrections: 1,
      successRate: 1,
      firstTimeSuccessRate: 0.5,
      iterations: { count: 2, median: 1.5, max: 2 },
      // The command agent reports no cost: unknown, never $0.
      totalCostUsd: null,
      costPerIssue: null,
      costPerSuccess: null,
      reviewers: {},
    });
    expect(gm.metrics.aggregate.cycleTime.count).toBe(2);
    expect(gm.metrics.aggregate.leadTime.count).toBe(2);
    expect(gm.metrics.costSeries).toEqual([]);
    const text = orch(repo, ['metrics', 'convoy', gates, '--epic', 'lc']).stdout;
    expect(text).toMatch(/^issues\s+2 \(2 done, 0 failed, 0 in progress\)$/m);
    expect(text).toMatch(/^first-time success rate\s+50\.0%$/m);
    expect(text).toMatch(/^corrections\s+1$/m);
    expect(text).toMatch(/^total cost\s+no data$/m);
    expect(text).toMatch(/^cost per success\s+no data$/m);
    expect(text).not.toMatch(/\$0/);

    // --- the conflict convoy: Q was sent back once (a retry, not a correction); P landed first time.
    const cm = (orch(repo, ['metrics', 'convoy', conflict, '--epic', 'lc', '--save', '--json']).json() as { metrics: MetricsSnapshot }).metrics;
    const ci = byId(cm);
    expect(ci.Q).toMatchObject({ sessions: 2, retries: 1, corrections: 0, successful: true, firstTimeSuccess: false, costUsd: null });
    expect(ci.P).toMatchObject({ sessions: 1, retries: 0, corrections: 0, successful: true, firstTimeSuccess: true, costUsd: null });
    expect(cm.aggregate).toMatchObject({ issues: 2, completed: 2, retries: 1, issuesWithRetries: 1, corrections: 0, successRate: 1, firstTimeSuccessRate: 0.5, totalCostUsd: null });

    // --- saved: listed, versioned, summarised (both convoys, no epic snapshot), reported as JSON.
    expect(orch(repo, ['metrics', 'convoy', gates, '--epic', 'lc', '--save', '--json']).json()).toMatchObject({ version: 2 });
    const list = orch(repo, ['metrics', 'list', '--json']).json() as { targets: { key: string; versions: number; issues: number; successRate: number | null; totalCostUsd: number | null }[] };
    expect([...list.targets].sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(
      [
        { key: `convoy-${gates}`, versions: 2, issues: 2, successRate: 1, totalCostUsd: null, computedAt: expect.any(String) },
        { key: `convoy-${conflict}`, versions: 1, issues: 2, successRate: 1, totalCostUsd: null, computedAt: expect.any(String) },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    const summary = orch(repo, ['metrics', 'summary', '--json']).json() as { targets: string[]; aggregate: MetricsSnapshot['aggregate'] };
    expect([...summary.targets].sort()).toEqual([`convoy-${gates}`, `convoy-${conflict}`].sort());
    expect(summary.aggregate).toMatchObject({ issues: 4, completed: 4, corrections: 1, firstTimeSuccessRate: 0.5, totalCostUsd: null });

    const latest = (orch(repo, ['metrics', 'convoy', gates, '--epic', 'lc', '--json']).json() as { metrics: MetricsSnapshot }).metrics;
    const report = orch(repo, ['metrics', 'report', `convoy:${gates}`, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const doc = JSON.parse(report.stdout) as { schemaVersion: number; metrics: MetricsSnapshot };
    expect(doc.schemaVersion).toBe(1);
    // The saved (version 2) snapshot, not a fresh computation: same figures, its own timestamp.
    expect({ ...doc.metrics, computedAt: null }).toEqual({ ...latest, computedAt: null });
    expect(doc.metrics.computedAt).not.toBe(latest.computedAt);
    const written = orch(repo, ['metrics', 'report', gates, '--format', 'json', '--output', 'm.json', '--json']);
    expect(written.code, written.stderr).toBe(0);
    expect(written.json()).toMatchObject({ ok: true, format: 'json', file: path.join(repo, 'm.json') });
    expect(JSON.parse(readFileSync(path.join(repo, 'm.json'), 'utf8'))).toEqual(doc);
  }, 180_000);
});
