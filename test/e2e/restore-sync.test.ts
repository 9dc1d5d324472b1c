import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orch } from '../support/cli.ts';
import { g, gitRepo, tempDir, write } from '../support/repo.ts';

const listIds = (dir: string, epic: string): string[] =>
  (orch(dir, ['session', 'list', '--epic', epic, '--json']).json() as { checkpoints: { id: string }[] }).checkpoints.map((c) => c.id);

describe('orch checkpoint restore', () => {
  it('brings back uncommitted work lost to `git checkout .`, and refuses to overwrite local changes without --force', () => {
    const dir = gitRepo({ 'src/app.ts': 'v1\n' });
    write(dir, { 'src/app.ts': 'v2 work in progress\n', 'src/new.ts': 'brand new\n', '.env': 'TOKEN=abc\n' });
    expect(orch(dir, ['session', 'start', '--epic', 'wip']).code).toBe(0);
    const [id] = listIds(dir, 'wip');
    // The work is lost…
    g(dir, 'checkout', '--', '.');
    g(dir, 'clean', '-fdq', '-e', '.env');
    expect(readFileSync(path.join(dir, 'src/app.ts'), 'utf8')).toBe('v1\n');
    // …and restored.
    const r = orch(dir, ['checkpoint', 'restore', id!]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'src/app.ts'), 'utf8')).toBe('v2 work in progress\n');
    expect(readFileSync(path.join(dir, 'src/new.ts'), 'utf8')).toBe('brand new\n');
    expect(r.stdout).toMatch(/not in the snapshot \(secrets\): \.env/);

    // Local edits are not overwritten without --force; nothing is written.
    write(dir, { 'src/app.ts': 'v3 newer local edit\n' });
    write(dir, { 'src/new.ts': 'changed too\n' });
    const refused = orch(dir, ['checkpoint', 'restore', id!]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/would overwrite local changes in 2 file\(s\).*--force/);
    expect(readFileSync(path.join(dir, 'src/app.ts'), 'utf8')).toBe('v3 newer local edit\n');
    const forced = orch(dir, ['checkpoint', 'restore', id!, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(dir, 'src/app.ts'), 'utf8')).toBe('v2 work in progress\n');
  });

  it('an unknown id is a clear error, exit 2', () => {
    const dir = gitRepo();
    const r = orch(dir, ['checkpoint', 'show', 'ckpt-NOPE']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no checkpoint ckpt-NOPE/);
  });
});

describe('orch sync', () => {
  it('a clone that fetched the namespace resumes the epic; secrets never leave', () => {
    const origin = path.join(tempDir(), 'origin.git');
    g(tempDir(), 'init', '-q', '--bare', origin);
    const a = gitRepo({ 'a.txt': 'a\n' });
    g(a, 'remote', 'add', 'origin', origin);
    g(a, 'push', '-q', 'origin', 'main');
    write(a, { 'a.txt': 'work\n', '.env': 'OPENAI_API_KEY=sk-live-secret\n', 'deploy.pem': 'KEY\n' });
    expect(orch(a, ['session', 'start', '--epic', 'shared', '--budget', '3', '--goal', 'ship it']).code).toBe(0);
    expect(orch(a, ['session', 'pause', '--epic', 'shared', '--reason', 'switching machines']).code).toBe(0);
    const pushed = orch(a, ['sync', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((pushed.json().pushed as string[]).length).toBe(2);

    // Nothing in the remote's objects holds the secret.
    const all = g(origin, 'rev-list', '--objects', '--all');
    expect(all).not.toMatch(/\.env|deploy\.pem/);

    const b = path.join(tempDir(), 'b');
    g(tempDir(), 'clone', '-q', origin, b);
    expect(orch(b, ['session', 'status', '--epic', 'shared']).code).toBe(2);
    const fetched = orch(b, ['sync', 'origin', '--fetch-only', '--json']);
    expect(fetched.code, fetched.stderr).toBe(0);
    const r = orch(b, ['session', 'start', '--epic', 'shared', '--resume', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as { session: { number: number }; resumeBrief: string };
    expect(out.session.number).toBe(2);
    expect(out.resumeBrief).toMatch(/switching machines/);
    expect(out.resumeBrief).toMatch(/ship it/);
    // Back on A: fetching B's new session works, both sides agree.
    expect(orch(b, ['sync']).code).toBe(0);
    expect(orch(a, ['sync']).code).toBe(0);
    expect(listIds(a, 'shared')).toEqual(listIds(b, 'shared'));
  });

  it('an unknown remote is a clear error', () => {
    const a = gitRepo();
    orch(a, ['session', 'start', '--epic', 'x']);
    const r = orch(a, ['sync', 'nowhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no remote named "nowhere"/);
  });
});
