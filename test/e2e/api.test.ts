import { describe, expect, it } from 'vitest';
import { completeSession, OrchError, pauseSession, resumeSession, startSession } from '../../src/index.ts';
import { g, gitRepo, userState, write } from '../support/repo.ts';

// The seed's library API, imported from the package entry the way a user's code does.
describe('library API: startSession → pauseSession → resumeSession → completeSession', () => {
  it('checkpoints each step in git, resumes with a brief of the work, the tracker and git history, and refuses an illegal transition', async () => {
    const dir = gitRepo({ 'README.md': '# app\n', 'tasks.yaml': 'tasks:\n  - id: A-1\n    title: wire the login form\n    status: in_progress\n', '.orch/config.yaml': 'tracker:\n  kind: tasks\n  path: tasks.yaml\n' });
    const first = await startSession({ epicId: 'login', resume: false, budget: 5, background: false, cwd: dir, goal: 'a working login' });
    expect(first.session).toMatchObject({ epicId: 'login', number: 1, status: 'running' });
    expect(first.resumeBrief).toBeNull();

    write(dir, { 'login.ts': 'export const login = () => true;\n' });
    g(dir, 'add', 'login.ts');
    g(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'feat: login form');
    write(dir, { 'wip.ts': 'export const wip = 1;\n' }); // uncommitted work: in the pause snapshot
    const before = userState(dir);
    // A context that does not match the schema (plain JavaScript callers) is refused, nothing written.
    const bad = { ...first.context, notes: ['not an entry'] } as unknown as typeof first.context;
    const refused = pauseSession(first.session, bad, 'x');
    await expect(refused).rejects.toMatchObject({ code: 'usage' });
    await expect(refused).rejects.toThrow(/not written: context\.notes\.0/);
    expect(first.session.status).toBe('running');
    const note = { at: new Date().toISOString(), sessionNumber: 1, text: 'the form posts to /api/login' };
    const paused = await pauseSession(first.session, { ...first.context, notes: [note] }, 'end of day');
    expect(paused).toMatchObject({ status: 'paused', reason: 'end of day' });
    expect(paused.git?.changed).toContain('wip.ts');
    expect(userState(dir)).toEqual(before); // the user's index, HEAD and files untouched

    const second = await resumeSession('login', { cwd: dir });
    expect(second.session).toMatchObject({ number: 2, parentSessionId: first.session.id });
    expect(second.resumeBrief).toMatch(/a working login/);
    expect(second.resumeBrief).toMatch(/feat: login form/); // git history reaches the library's brief
    expect(second.resumeBrief).toMatch(/A-1[^\n]*wire the login form/); // so does the configured tracker
    expect(second.resumeBrief).toMatch(/the form posts to \/api\/login/);

    const done = await completeSession(second.session, second.context, 'success');
    expect(done).toMatchObject({ status: 'completed', outcome: 'success' });
    const again = completeSession(second.session, second.context, 'success');
    await expect(again).rejects.toBeInstanceOf(OrchError);
    await expect(again).rejects.toMatchObject({ code: 'illegal_transition' });
  });
});
