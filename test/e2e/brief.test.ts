import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orch } from '../support/cli.ts';
import { g, gitRepo, userState, write } from '../support/repo.ts';

function ok(cwd: string, ...args: string[]): string {
  const r = orch(cwd, args);
  expect(r.code, `orch ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function commit(cwd: string, files: Record<string, string>, message: string): string {
  write(cwd, files);
  g(cwd, 'add', '-A');
  g(cwd, 'commit', '-q', '-m', message);
  return g(cwd, 'rev-parse', 'HEAD').trim();
}

describe('orch brief (real git)', () => {
  it('commits since the epic began with a diffstat, a revert, uncommitted work, and notes carried to the next session', () => {
    const dir = gitRepo({ 'README.md': '# app\n', 'src/old.ts': 'export const old = 1;\n' });
    const base = g(dir, 'rev-parse', 'HEAD').trim();
    ok(dir, 'session', 'start', '--epic', 'auth', '--budget', '5', '--goal', 'magic links', '--task', 'send the sign-in link by mail');
    commit(dir, { 'src/mail.ts': 'export const send = () => 1;\n'.repeat(3) }, 'add mailer');
    commit(dir, { 'src/nock.ts': 'mock\n' }, 'use nock for SMTP');
    g(dir, 'revert', '--no-edit', 'HEAD');
    write(dir, { 'src/wip.ts': 'half done\n' });
    ok(dir, 'note', '--epic', 'auth', '--kind', 'tried', 'mocking SMTP with nock hangs in CI');
    ok(dir, 'note', '--epic', 'auth', '--kind', 'note', 'next: wire the mailer into the sign-in route');
    ok(dir, 'session', 'pause', '--epic', 'auth', '--reason', 'End of day');
    const paused = ok(dir, 'note', '--epic', 'auth', '--kind', 'decision', 'tokens expire after 15 minutes');
    expect(paused).toMatch(/noted \(decision\) on epic auth/);

    const before = userState(dir);
    const brief = ok(dir, 'brief', '--epic', 'auth');
    expect(userState(dir)).toEqual(before); // read-only: HEAD, index, branches and files as they were

    expect(brief).toMatch(/^# Resume brief: auth — session 2\n\*\*Goal:\*\* magic links\n\*\*Task:\*\* send the sign-in link by mail\nBudget: \$0\.00 spent of \$5\.00, \$5\.00 remaining\.\nLast checkpoint: ckpt-\S+ at \S+ \S+Z \(pause: End of day\); session 1 is paused\./);
    expect(brief).toContain('## Next steps\n- next: wire the mailer into the sign-in route');
    expect(brief).toMatch(/- \[tried\] mocking SMTP with nock hangs in CI _\(session 1, \d{4}-\d\d-\d\d \d\d:\d\dZ\)_/);
    expect(brief).toMatch(/- \[revert\] reverted: [0-9a-f]{10} "Revert "use nock for SMTP"" \(undoes [0-9a-f]{10}\) _\(session 1, /);
    expect(brief).toContain(`## Commits since the epic began (3, ${base.slice(0, 12)}..${g(dir, 'rev-parse', 'HEAD').trim().slice(0, 12)})`);
    expect(brief).toMatch(/- [0-9a-f]{10} Revert "use nock for SMTP"[^\n]*\n- [0-9a-f]{10} use nock for SMTP[^\n]*\n- [0-9a-f]{10} add mailer/);
    // The revert cancels nock.ts: only the mailer remains in the diff since the epic began.
    expect(brief).toContain('Diffstat: 1 file(s) changed, 3 insertion(s)(+), 0 deletion(s)(-)\n- src/mail.ts +3 -0');
    expect(brief).toContain('## Uncommitted work at the last checkpoint\n- src/wip.ts');
    expect(brief).toMatch(/## Decisions\n- tokens expire after 15 minutes _\(noted after session 1, /);

    // The next session carries the notes: in its context, its start brief and `orch brief`.
    const started = orch(dir, ['session', 'start', '--epic', 'auth', '--resume', '--json']).json() as { context: { blockers: { text: string }[] }; resumeBrief: string };
    expect(started.context.blockers.map((b) => b.text)).toEqual(['mocking SMTP with nock hangs in CI']);
    expect(started.resumeBrief).toContain('[tried] mocking SMTP with nock hangs in CI _(session 1,');
    const again = ok(dir, 'brief', '--epic', 'auth');
    expect(again).toMatch(/^# Resume brief: auth — session 2 \(running\)/);
    expect(again).toContain('[tried] mocking SMTP with nock hangs in CI _(session 1,');
    expect(again).toContain('tokens expire after 15 minutes');

    const json = orch(dir, ['brief', '--epic', 'auth', '--json']).json() as { schemaVersion: number; markdown: string; facts: { git: { total: number; reverts: unknown[] }; didntWork: { kind: string }[] } };
    expect(json.schemaVersion).toBe(1);
    expect(json.markdown).toBe(again);
    expect(json.facts.git.total).toBe(3);
    expect(json.facts.git.reverts).toHaveLength(1);
    expect(json.facts.didntWork.map((d) => d.kind).sort()).toEqual(['revert', 'tried']);
  });

  it('--max-bytes caps the brief at a line boundary; bad input exits 2', () => {
    const dir = gitRepo();
    ok(dir, 'session', 'start', '--epic', 'e', '--goal', 'g');
    for (let i = 0; i < 12; i++) ok(dir, 'note', '--epic', 'e', '--kind', 'blocker', `blocker number ${i} ${'ü'.repeat(40)}`);
    const capped = ok(dir, 'brief', '--epic', 'e', '--max-bytes', '600');
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(600);
    expect(capped.endsWith('\n… (brief cut at the size limit)\n')).toBe(true);
    expect(capped).toContain('blocker number 11');
    const full = ok(dir, 'brief', '--epic', 'e');
    expect(full.startsWith(capped.slice(0, capped.indexOf('… (brief cut')))).toBe(true);
    for (const bad of ['abc', '-5', '10', '1.5']) {
      const r = orch(dir, ['brief', '--epic', 'e', '--max-bytes', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/error: /);
    }
    expect(orch(dir, ['brief', '--epic', 'nope']).code).toBe(2);
    expect(orch(dir, ['brief', '--epic', '../x']).code).toBe(2);
  });

  it('lists the issues of the tracker configured in .orch/config.yaml by status, also in the hooks\' SessionStart brief', () => {
    const tasks = [
      '- [ ] E1: Magic links',
      '  - [x] T1: add the mailer',
      '  - [~] T2: wire the sign-in route',
      '  - [ ] T3: rate-limit the link endpoint',
      '    depends: T2',
      '  - [!] T4: SSO, waiting on the identity team',
      '  - [ ] T5: not started',
      '- [x] X1: another epic\'s issue',
      '',
    ].join('\n');
    const dir = gitRepo({ 'README.md': '# app\n', 'plan/TASKS.md': tasks, '.orch/config.yaml': 'tracker:\n  kind: tasks\n  path: plan/TASKS.md\n  parent: E1\n' });
    ok(dir, 'session', 'start', '--epic', 'auth', '--goal', 'magic links');
    ok(dir, 'session', 'pause', '--epic', 'auth', '--reason', 'End of day');

    const before = userState(dir);
    const brief = ok(dir, 'brief', '--epic', 'auth');
    expect(userState(dir)).toEqual(before); // the tracker is read, never written
    expect(brief).toContain('## Issues\nIn progress (1)\n- T2 wire the sign-in route\nBlocked (2)\n- T3 rate-limit the link endpoint\n- T4 SSO, waiting on the identity team\nDone (1)\n- T1 add the mailer\n');
    expect(brief).not.toContain('- X1 '); // another epic's issue (a bare 'X1' can occur in a random checkpoint id)
    const json = orch(dir, ['brief', '--epic', 'auth', '--json']).json() as { facts: { tracker: { done: { id: string }[]; error: string | null } } };
    expect(json.facts.tracker.done.map((i) => i.id)).toEqual(['T1']);
    expect(json.facts.tracker.error).toBeNull();

    // Claude Code's SessionStart resumes the epic: the brief it returns carries the same issues.
    const sid = '11111111-2222-4333-8444-555555555555';
    const hookIn = JSON.stringify({ session_id: sid, transcript_path: path.join(dir, 'none.jsonl'), cwd: dir, hook_event_name: 'SessionStart', source: 'startup' });
    const started = orch(dir, ['hook', 'SessionStart'], { ORCH_EPIC: 'auth', ORCH_HOOK_DEADLINE_MS: '20000' }, hookIn);
    expect(started.code).toBe(0);
    const context = (JSON.parse(started.stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput.additionalContext;
    expect(context).toContain('## Issues\nIn progress (1)\n- T2 wire the sign-in route\nBlocked (2)');

    // A tracker that cannot answer does not break the brief: the section says why.
    write(dir, { '.orch/config.yaml': 'tracker: { kind: tasks, path: plan/GONE.md }\n' });
    const without = ok(dir, 'brief', '--epic', 'auth');
    expect(without).toMatch(/^# Resume brief: auth — session 2 \(running\)/);
    expect(without).toMatch(/## Issues\ntracker unavailable: task file not found: \S+plan\/GONE\.md \(create it/);
  });

  it('a bad tracker section is one clear error line and exit 2', () => {
    const dir = gitRepo({ 'README.md': '# app\n', '.orch/config.yaml': 'tracker:\n  kind: jira\n  path: x\n' });
    ok(dir, 'session', 'start', '--epic', 'auth');
    const r = orch(dir, ['brief', '--epic', 'auth']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: \S+\.orch\/config\.yaml: tracker\.kind: must be one of task-file, tasks, beads — fix the tracker section of \.orch\/config\.yaml\n$/);
    write(dir, { '.orch/config.yaml': 'tracker: { kind: tasks }\n' });
    expect(orch(dir, ['brief', '--epic', 'auth']).stderr).toMatch(/tracker\.path: is required/);
  });
});
