import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../src/adapters/run-state.ts';
import { installFakeBd, seedIssue } from '../support/fake-bd/index.ts';
import { agentScript } from '../support/agent-script.ts';
import { ORCH_BIN, orch, orchAsync } from '../support/cli.ts';
import { g, gitRepo, tempDir, userState, write } from '../support/repo.ts';

const convoyId = (out: string): string => /created convoy (\S+)/.exec(out)![1]!;

describe('orch convoy (task file tracker, command agent)', () => {
  it('works issues in dependency order with parallel workers; everything merged and closed; the user checkout untouched', async () => {
    const repo = gitRepo({ 'README.md': '# r\n' });
    write(repo, { 'wip.txt': 'uncommitted user work\n' });
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(tasks, 'tasks:\n  - id: A\n    title: a\n  - id: B\n    title: b\n    deps: [A]\n  - id: C\n    title: c\n  - id: D\n    title: d\n    deps: [B, C]\n');
    const before = userState(repo);
    const created = orch(repo, ['convoy', 'create', 'four', 'A', 'B', 'C', 'D', '--epic', 'cv', '--tasks', tasks, '--agent', 'command', '--command', agentScript(outside)]);
    expect(created.code, created.stderr).toBe(0);
    const id = convoyId(created.stdout);
    const run = orch(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/finished; done 4/);
    // Dependency order: B after A merged; D after B and C.
    const order = [...run.stderr.matchAll(/dispatched (\w)/g)].map((m) => m[1]);
    const merged = [...run.stderr.matchAll(/(\w) merged and closed/g)].map((m) => m[1]);
    expect(order.indexOf('B')).toBeGreaterThan(order.indexOf('A'));
    expect(merged.indexOf('A')).toBeLessThan(order.indexOf('B') + 10);
    expect(order.at(-1)).toBe('D');
    const files = g(repo, 'ls-tree', '--name-only', `orch/${id}/integration`).split('\n');
    expect(files).toEqual(expect.arrayContaining(['A.txt', 'B.txt', 'C.txt', 'D.txt']));
    // Each merge is a merge commit of the issue's branch, made in the merge worktree, which is left
    // at the tip with nothing over.
    const tip = g(repo, 'rev-parse', `orch/${id}/integration`).trim();
    expect(g(repo, 'log', '--merges', '--format=%s', `orch/${id}/integration`).trim().split('\n').sort()).toEqual(['A', 'B', 'C', 'D'].map((i) => `Merge ${i} (orch convoy ${id})`));
    const mergeDir = path.join(`${repo}.orch-worktrees`, id, '_merge');
    expect(g(mergeDir, 'rev-parse', 'HEAD').trim()).toBe(tip);
    expect(g(mergeDir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(readdirSync(mergeDir).filter((f) => f.endsWith('.txt')).sort()).toEqual(['A.txt', 'B.txt', 'C.txt', 'D.txt']);
    expect(readFileSync(tasks, 'utf8').match(/status: closed/g)).toHaveLength(4);
    // The user's files, index, HEAD and branches are as they were; orch only added its own orch/* branches.
    const after = userState(repo);
    expect({ ...after, branches: after.branches.split('\n').filter((l) => !l.startsWith('refs/heads/orch/')).join('\n') }).toEqual(before);
    const show = orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { status: string; sessionIds: string[] }[] };
    expect(show.issues.every((i) => i.status === 'done' && i.sessionIds.length === 1)).toBe(true);
    // Two worker processes worked the four issues (each kept for the next one), and none outlives the run.
    const progress = path.join(repo, '.git', 'orch', 'convoys', id, 'workers');
    const pids = new Set(readdirSync(progress).map((f) => (JSON.parse(readFileSync(path.join(progress, f), 'utf8')) as { pid: number }).pid));
    expect(readdirSync(progress)).toHaveLength(4);
    expect(pids.size).toBeLessThanOrEqual(2);
    for (let i = 0; i < 100 && [...pids].some(pidAlive); i++) await new Promise((r) => setTimeout(r, 50));
    expect([...pids].filter(pidAlive)).toEqual([]);
  });

  it('a merge conflict sends the issue back with the conflict recorded; the retry merges the integration branch and lands', async () => {
    const repo = gitRepo({ 'shared.txt': 'line\n' });
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(tasks, 'tasks:\n  - id: P\n    title: p\n  - id: Q\n    title: q\n');
    const agent = agentScript(outside, {
      P: `echo P > shared.txt; git add -A; git commit -qm P`,
      // Q edits the same line; sent back, it merges the integration branch and keeps both.
      Q: `if [ "$sentback" -gt 0 ]; then git merge -q "$integ" >/dev/null 2>&1; printf 'P\\nQ\\n' > shared.txt; git add -A; git commit -qm "merge integration"; else sleep 1; echo Q > shared.txt; git add -A; git commit -qm Q; fi`,
    });
    const id = convoyId(orch(repo, ['convoy', 'create', 'conf', 'P', 'Q', '--epic', 'cv', '--tasks', tasks, '--agent', 'command', '--command', agent]).stdout);
    const run = orch(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Q sent back: merge conflict with orch\/\S+\/integration in shared\.txt/);
    expect(g(repo, 'show', `orch/${id}/integration:shared.txt`)).toBe('P\nQ\n');
    const show = orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { id: string; attempts: number; reasons: string[] }[] };
    expect(show.issues.find((i) => i.id === 'Q')).toMatchObject({ attempts: 2, reasons: [expect.stringMatching(/merge conflict/)] });
  });

  it('a failing gate sends the issue back; a stalled worker is restarted by the witness from its last checkpoint', async () => {
    const repo = gitRepo({
      'package.json': JSON.stringify({ name: 'p', type: 'module', scripts: { test: 'node --test' } }),
      'ok.test.js': "import { test } from 'node:test';\ntest('ok', () => {});\n",
    });
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(tasks, 'tasks:\n  - id: G\n    title: g\n  - id: S\n    title: s\n');
    const stallMark = path.join(outside, 'stalled-once');
    const agent = agentScript(outside, {
      G: `if [ "$sentback" -gt 0 ]; then rm -f bad.test.js; echo G > G.txt; else printf "import { test } from 'node:test';\\ntest('bad', () => { throw new Error('no'); });\\n" > bad.test.js; fi`,
      S: `if [ ! -e ${stallMark} ]; then touch ${stallMark}; sleep 600; fi; echo S > S.txt`,
    });
    const id = convoyId(orch(repo, ['convoy', 'create', 'gs', 'G', 'S', '--epic', 'cv', '--tasks', tasks, '--agent', 'command', '--command', agent, '--stale-minutes', '0.08', '--sessions', '1']).stdout);
    const run = orch(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/G: worker not done \(.*gate test regressed/);
    expect(run.stderr).toMatch(/witness: S no progress for 0.08 min; restarting it from its last checkpoint/);
    const show = orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { id: string; status: string; restarts: number; attempts: number }[] };
    expect(show.issues).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'G', status: 'done', attempts: 2 }), expect.objectContaining({ id: 'S', status: 'done', restarts: 1, attempts: 1 })]));
    // The stalled worker's session ended (stopped: paused, or fenced: interrupted) and a new one continued from it.
    const sIssue = (orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { id: string; sessionIds: string[] }[] }).issues.find((i) => i.id === 'S')!;
    expect(sIssue.sessionIds).toHaveLength(2);
    const st = orch(repo, ['session', 'status', '--epic', 'cv', '--json']).json() as { sessions: { sessionId: string; status: string }[] };
    expect(['paused', 'interrupted']).toContain(st.sessions.find((x) => x.sessionId === sIssue.sessionIds[0])?.status);
  });
});

describe('orch witness (standalone, background)', () => {
  it('restarts a stalled worker once, escalates nothing, persists its settings; status and stop work', async () => {
    const repo = gitRepo();
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(tasks, 'tasks:\n  - id: W\n    title: w\n');
    const mark = path.join(outside, 'once');
    const agent = agentScript(outside, { W: `if [ ! -e ${mark} ]; then touch ${mark}; sleep 600; fi; echo W > W.txt` });
    const id = convoyId(orch(repo, ['convoy', 'create', 'wt', 'W', '--epic', 'cv', '--tasks', tasks, '--agent', 'command', '--command', agent, '--sessions', '1']).stdout);
    const started = orch(repo, ['witness', 'start', id, '--stale-threshold', '0.08', '--poll-interval', '0.2']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/stale after 0\.08 min/);
    const run = await orchAsync(repo, ['convoy', 'run', id, '--workers', '1', '--poll', '0.1'], { PATH: process.env.PATH });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/finished; done 1/);
    const status = orch(repo, ['witness', 'status', id, '--json']).json() as { staleMinutes: number; actions: { type: string; issueId: string }[] };
    expect(status.staleMinutes).toBe(0.08);
    expect(status.actions.filter((a) => a.type === 'witness.restart').map((a) => a.issueId)).toEqual(['W']);
    expect(status.actions.some((a) => a.type === 'witness.escalated')).toBe(false);
    // It stops by itself once the convoy is finished; stop then says it is not running.
    const until = Date.now() + 10_000;
    while ((orch(repo, ['witness', 'status', id, '--json']).json() as { running: unknown }).running && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(orch(repo, ['witness', 'stop', id]).code).toBe(2);
  });
});

describe('orch convoy with beads (fake bd)', () => {
  it('kill -9 of the runner mid-run: convoy resume finishes without redoing finished issues or claiming twice', async () => {
    const repo = gitRepo();
    const bd = installFakeBd(tempDir(), { issues: ['bd-1', 'bd-2', 'bd-3', 'bd-4'].map((id) => seedIssue({ id, title: `issue ${id}` })) });
    const outside = tempDir();
    const slow = agentScript(outside, { 'bd-3': 'sleep 3; echo x > bd-3.txt', 'bd-4': 'sleep 3; echo x > bd-4.txt' });
    const env = { ...bd.env, NO_COLOR: '1' };
    const created = orch(repo, ['convoy', 'create', 'b', 'bd-1', 'bd-2', 'bd-3', 'bd-4', '--epic', 'cv', '--beads', bd.workspace, '--agent', 'command', '--command', slow], env);
    expect(created.code, created.stderr).toBe(0);
    const id = convoyId(created.stdout);
    const child = spawn(process.execPath, [ORCH_BIN, 'convoy', 'run', id, '--workers', '2', '--poll', '0.1'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const until = Date.now() + 30_000;
    while (!/dispatched bd-4/.test(err) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(err).toMatch(/bd-1 merged and closed/);
    const resumed = await orchAsync(repo, ['convoy', 'resume', id, '--workers', '2', '--poll', '0.1'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/finished; done 4/);
    expect(resumed.stderr).not.toMatch(/dispatched bd-1|dispatched bd-2/);
    const claims = bd.calls().filter((c) => c.command === 'update' && c.argv.includes('--claim'));
    expect(claims.map((c) => c.argv.find((a) => a.startsWith('bd-'))).sort()).toEqual(['bd-1', 'bd-2', 'bd-3', 'bd-4']);
    // Workers get their issue from the dispatcher: no bd call from another process ever collided with one.
    expect(bd.calls().filter((c) => c.overlap)).toEqual([]);
    expect(Object.values(bd.state().issues).every((i) => i.status === 'closed')).toBe(true);
  });

  it('a worktree that cannot be made: the issue fails with that reason, the run ends with exit 1, nothing claimed is lost', () => {
    const repo = gitRepo({ 'README.md': '# r\n' });
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(tasks, 'tasks:\n  - id: A\n    title: a\n');
    writeFileSync(path.join(outside, 'blocker'), 'a file where the worktree root would be\n');
    const id = convoyId(orch(repo, ['convoy', 'create', 'wt', 'A', '--epic', 'cv', '--tasks', tasks, '--agent', 'command', '--command', 'echo ORCH_DONE', '--max-attempts', '2']).stdout);
    const run = orch(repo, ['convoy', 'run', id, '--workers', '2', '--poll', '0.1'], { ORCH_WORKTREES: path.join(outside, 'blocker', 'wt') });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/failed 1 \(A\)/);
    expect(run.stderr).toMatch(/A: worker not done \(its worktree could not be prepared: .*blocker/);
    const show = orch(repo, ['convoy', 'show', id, '--json']).json() as { issues: { id: string; status: string; attempts: number }[] };
    expect(show.issues).toEqual([expect.objectContaining({ id: 'A', status: 'failed', attempts: 2 })]);
    expect(readFileSync(tasks, 'utf8')).toMatch(/status: in_progress/); // claimed, not closed: a later run can take it
  });

  it('work a pre-commit hook refuses is not done: the issue fails with the hook\'s reason and is not closed', () => {
    const repo = gitRepo({ 'README.md': '# r\n' });
    writeFileSync(path.join(repo, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\necho "lint failed: A.txt" >&2\nexit 1\n', { mode: 0o755 });
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(tasks, 'tasks:\n  - id: A\n    title: a\n');
    const id = convoyId(orch(repo, ['convoy', 'create', 'hooked', 'A', '--epic', 'cv', '--tasks', tasks, '--agent', 'command', '--command', 'cat >/dev/null; echo a > A.txt; echo ORCH_DONE', '--max-attempts', '1']).stdout);
    const run = orch(repo, ['convoy', 'run', id, '--workers', '1', '--poll', '0.1']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/A: worker not done \(its work could not be committed: lint failed: A\.txt/);
    expect(g(repo, 'ls-tree', '--name-only', `orch/${id}/integration`)).not.toMatch(/A\.txt/);
    expect(readFileSync(tasks, 'utf8')).not.toMatch(/status: closed/);
  });

  it('bad input: unknown ids and dependency cycles → exit 2; a dirty user checkout is left untouched', () => {
    const repo = gitRepo();
    const bd = installFakeBd(tempDir(), {
      issues: [seedIssue({ id: 'x-1' }), seedIssue({ id: 'x-2' })],
      dependencies: [
        { issue_id: 'x-1', depends_on_id: 'x-2', type: 'blocks' },
        { issue_id: 'x-2', depends_on_id: 'x-1', type: 'blocks' },
      ],
    });
    const env = { ...bd.env, NO_COLOR: '1' };
    const unknown = orch(repo, ['convoy', 'create', 'u', 'x-1', 'nope-9', '--epic', 'cv', '--beads', bd.workspace], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown issue id\(s\): nope-9/);
    const cycle = orch(repo, ['convoy', 'create', 'c', 'x-1', 'x-2', '--epic', 'cv', '--beads', bd.workspace], env);
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toMatch(/dependency cycle between convoy issues: x-\d → x-\d → x-\d/);
    expect(existsSync(path.join(repo, '.git', 'refs', 'orchestration', 'cv', 'convoys'))).toBe(false);
  });
});
