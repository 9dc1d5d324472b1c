import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGitDeps } from '../../src/adapters/open.ts';
import { writeCheckpoint } from '../../src/core/session/checkpoint.ts';
import { completeSession } from '../../src/core/session/finish.ts';
import { startSession } from '../../src/core/session/start.ts';
import { installFakeBd, seedIssue } from '../support/fake-bd/index.ts';
import { orch } from '../support/cli.ts';
import { g, gitRepo, write } from '../support/repo.ts';

const SQL = 'const q = "SELECT * FROM users WHERE id = " + id;';
const CONFIG = '# project gates — keep this comment\ngates:\n  detect: false # only ours\n  list:\n    - name: check\n      command: "true"\n';

interface Pm {
  id: string;
  status: string;
  rootCause: { category: string; evidence: string[] } | null;
  timeline: { source: string; text: string }[];
  rules: { id: string; check: { kind: string; name: string } | null }[];
}

/** A repo where a session changed src/db.ts and a security review found the injection there. */
async function incident(): Promise<{ dir: string; env: NodeJS.ProcessEnv; findingEvent: string }> {
  const dir = gitRepo({ 'README.md': '# app\n', '.orch/config.yaml': CONFIG });
  const bd = installFakeBd(dir, { prefix: 'app', issues: [seedIssue({ id: 'app-7', title: 'SQL injection in src/db.ts', issue_type: 'bug', status: 'closed', created_at: '2026-01-01T00:00:00Z', closed_at: '2026-01-02T00:00:00Z' })] });
  const { deps } = await openGitDeps(dir);
  const s = await startSession(deps, { epicId: 'users', resume: false, task: 'query users by id' });
  write(dir, { 'src/db.ts': `export function find(id) {\n  ${SQL}\n  return q;\n}\n` });
  await writeCheckpoint(deps, s.session, s.context, {
    trigger: 'manual',
    reason: 'review',
    events: [{ type: 'review.finding', findingId: 'f1', reviewId: 'r1', reviewer: 'security', severity: 'critical', file: 'src/db.ts', line: 2, quote: `+  ${SQL}`, match: SQL, finding: 'SQL injection: id is concatenated into the query', suggestion: 'use a parameterised query', blocking: true }],
  });
  await completeSession(deps, s.session, s.context, 'success');
  const events = await deps.store.readEvents('users');
  return { dir, env: { PATH: bd.env.PATH }, findingEvent: events.find((e) => e.type === 'review.finding')!.id };
}

describe('orch postmortem', () => {
  it('tracker issue → timeline and security root cause from recorded events → rules with a forbidden-pattern check → approve → apply into CLAUDE.md and the gates config (comments kept) → the gate enforces it', async () => {
    const { dir, env, findingEvent } = await incident();
    expect(orch(dir, ['postmortem', 'create', 'app-999'], env).code).toBe(2);
    const created = orch(dir, ['postmortem', 'create', 'app-7', '--auto-analyze', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const pm = (created.json() as { postmortem: Pm }).postmortem;
    expect(pm.status).toBe('analyzing');
    expect(pm.rootCause).toEqual(expect.objectContaining({ category: 'security', evidence: [findingEvent] }));
    expect(pm.timeline.map((t) => t.source)).toEqual(expect.arrayContaining(['tracker', 'checkpoint', 'event']));
    expect(pm.timeline.some((t) => /session 1 \(users\) changed src\/db\.ts/.test(t.text))).toBe(true);

    // The flow is enforced: no approving or applying before rules exist.
    for (const verb of ['approve', 'apply']) {
      const r = orch(dir, ['postmortem', verb, pm.id], env);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/is analyzing/);
    }
    const ruled = (orch(dir, ['postmortem', 'rules', pm.id, '--json'], env).json() as { postmortem: Pm }).postmortem;
    expect(ruled.status).toBe('review');
    expect(ruled.rules).toEqual([expect.objectContaining({ check: expect.objectContaining({ kind: 'forbidden_pattern' }) })]);
    expect(orch(dir, ['postmortem', 'list', '--status', 'review', '--json'], env).json()).toMatchObject({ postmortems: [{ id: pm.id, rules: 1 }] });
    expect(orch(dir, ['postmortem', 'approve', pm.id, '--rule', ruled.rules[0]!.id], env).code).toBe(0);
    const applied = orch(dir, ['postmortem', 'apply', pm.id, '--json'], env);
    expect(applied.code, applied.stderr).toBe(0);
    const gate = ruled.rules[0]!.check!.name;
    expect(applied.json()).toMatchObject({ gatesAdded: [gate], ruleFiles: ['CLAUDE.md'] });
    const cfg = readFileSync(path.join(dir, '.orch/config.yaml'), 'utf8');
    expect(cfg.startsWith('# project gates — keep this comment\ngates:\n  detect: false # only ours\n  list:\n    - name: check\n')).toBe(true);
    expect(readFileSync(path.join(dir, 'CLAUDE.md'), 'utf8')).toMatch(/SQL injection: id is concatenated into the query/);
    expect(orch(dir, ['postmortem', 'show', pm.id], env).stdout).toMatch(/status applied/);
    expect(orch(dir, ['postmortem', 'apply', pm.id], env).code).toBe(3); // applied is final

    // The next baseline enforces it: the injected line fails the gate; the parameterised one passes.
    const run = (): { ok: boolean; results: { name: string; status: string; outputTail: string }[] } => (orch(dir, ['gates', 'run', '--json'], env).json() as { run: never }).run;
    const failed = run();
    expect(failed.ok).toBe(false);
    expect(failed.results.find((r) => r.name === gate)).toMatchObject({ status: 'fail', outputTail: expect.stringContaining('src/db.ts:2:') });
    write(dir, { 'src/db.ts': 'export function find(id) {\n  return sql`SELECT * FROM users WHERE id = ${id}`;\n}\n' });
    expect(run()).toMatchObject({ ok: true });
    expect(g(dir, 'status', '--short', '--untracked-files=all')).toContain('?? src/db.ts'); // untracked files are checked too
  });
});
