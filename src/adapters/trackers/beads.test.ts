import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { installFakeBd, seedIssue, type FakeBdOptions } from '../../../test/support/fake-bd/index.ts';
import { OrchError } from '../../core/errors.ts';
import { BeadsTracker, type BeadsTrackerOptions } from './beads.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(opts: FakeBdOptions, extra: Partial<BeadsTrackerOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-bd-'));
  dirs.push(dir);
  const fake = installFakeBd(dir, opts);
  const sleeps: number[] = [];
  const tracker = new BeadsTracker({ workspace: dir, env: fake.env, sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); }, ...extra });
  return { dir, fake, tracker, sleeps };
}

const seed = (): FakeBdOptions => ({
  issues: [
    seedIssue({ id: 'bd-a', title: 'First', priority: 1, description: 'do a', acceptance_criteria: 'a works' }),
    seedIssue({ id: 'bd-b', title: 'Blocked by a' }),
    seedIssue({ id: 'bd-c', title: 'Done', status: 'closed', closed_at: '2026-01-02T00:00:00Z', close_reason: 'shipped' }),
    seedIssue({ id: 'bd-d', title: 'Held by bob', status: 'in_progress', assignee: 'bob' }),
    seedIssue({ id: 'bd-e', title: 'Epic', issue_type: 'epic', priority: 0 }),
    seedIssue({ id: 'bd-e.1', title: 'Child of epic', priority: 3 }),
  ],
  dependencies: [
    { issue_id: 'bd-b', depends_on_id: 'bd-a', type: 'blocks' },
    { issue_id: 'bd-e.1', depends_on_id: 'bd-e', type: 'parent-child' },
  ],
  labels: [{ issue_id: 'bd-a', label: 'backend' }],
});

async function rejection(p: Promise<unknown>): Promise<OrchError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OrchError);
  return e as OrchError;
}

describe.each(['envelope', 'legacy'] as const)('BeadsTracker against fake bd (%s)', (mode) => {
  it('ready: open, unblocked, priority order; parent and limit filter; every call is --json with the envelope env', async () => {
    const { tracker, fake } = setup({ ...seed(), mode });
    const ready = await tracker.ready();
    expect(ready.map((i) => i.id)).toEqual(['bd-e', 'bd-a', 'bd-e.1']);
    expect(ready.find((i) => i.id === 'bd-a')).toMatchObject({ title: 'First', description: 'do a', acceptance: 'a works', priority: 1, labels: ['backend'], assignee: null });
    expect(ready[0]?.priority).toBe(0);
    expect((await tracker.ready({ parent: 'bd-e' })).map((i) => i.id)).toEqual(['bd-e.1']);
    expect((await tracker.ready({ limit: 1 })).map((i) => i.id)).toEqual(['bd-e']);
    for (const c of fake.calls()) {
      expect(c.argv).toContain('--json');
      expect(c.envelopeEnv).toBe('1');
      expect(fs.realpathSync(c.cwd)).toBe(fs.realpathSync(fake.workspace));
    }
  });

  it('show: normalises edges (show embeds issues), parent, close fields; missing id is not_found', async () => {
    const { tracker } = setup({ ...seed(), mode });
    const [b, child, c] = await tracker.show(['bd-b', 'bd-e.1', 'bd-c']);
    expect(b?.dependencies).toEqual([{ id: 'bd-a', type: 'blocks' }]);
    expect(child?.parent).toBe('bd-e');
    expect(c).toMatchObject({ status: 'closed', closedAt: '2026-01-02T00:00:00Z', closeReason: 'shipped' });
    const e = await rejection(tracker.show(['bd-a', 'bd-nope']));
    expect(e.code).toBe('not_found');
    expect(e.message).toContain('bd-nope');
  });

  it('claim: sets assignee + in_progress as the assignee (--actor), confirmed by a re-read; idempotent', async () => {
    const { tracker, fake } = setup({ ...seed(), mode });
    const got = await tracker.claim('bd-a', 'worker-1');
    expect(got).toMatchObject({ id: 'bd-a', assignee: 'worker-1', status: 'in_progress' });
    expect(fake.state().issues['bd-a']).toMatchObject({ assignee: 'worker-1', status: 'in_progress' });
    expect(fake.calls().find((c) => c.command === 'update')?.argv).toEqual(['update', 'bd-a', '--claim', '--json', '--actor=worker-1']);
    expect((await tracker.claim('bd-a', 'worker-1')).assignee).toBe('worker-1');
  });

  it('claim conflict: another assignee holds it → lock_held naming the holder, nothing changes', async () => {
    const { tracker, fake } = setup({ ...seed(), mode });
    const e = await rejection(tracker.claim('bd-d', 'worker-1'));
    expect(e.code).toBe('lock_held');
    expect(e.message).toBe('bd-d is already claimed by bob');
    expect(fake.state().issues['bd-d']).toMatchObject({ assignee: 'bob', status: 'in_progress' });
    const closed = await rejection(tracker.claim('bd-c', 'worker-1'));
    expect(closed.code).toBe('illegal_transition');
    expect(closed.message).toContain('status closed');
  });

  it('update: appends notes, merges metadata, sets status; returns the re-read issue', async () => {
    const { tracker } = setup({ ...seed(), mode });
    await tracker.update('bd-a', { notes: 'step 1 done', metadata: { 'orch.session': 'ses_1' } });
    const after = await tracker.update('bd-a', { notes: '--step 2 done', metadata: { 'orch.attempts': '2' }, status: 'blocked' });
    expect(after.notes).toBe('step 1 done\n--step 2 done');
    expect(after.metadata).toEqual({ 'orch.session': 'ses_1', 'orch.attempts': '2' });
    expect(after.status).toBe('blocked');
  });

  it('close: closes with the reason; the close guard is an illegal_transition with bd’s message', async () => {
    const { tracker, fake } = setup({ ...seed(), mode });
    const e = await rejection(tracker.close('bd-b', 'done'));
    expect(e.code).toBe('illegal_transition');
    expect(e.message).toContain('cannot close bd-b: blocked by open issues [bd-a]');
    expect(fake.state().issues['bd-b']?.status).toBe('open');
    const a = await tracker.close('bd-a', 'implemented in abc123');
    expect(a).toMatchObject({ status: 'closed', closeReason: 'implemented in abc123' });
    expect(a.closedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await tracker.close('bd-b', 'now unblocked')).status).toBe('closed');
  });

  it('create: discovered-from edge, parent, labels, priority 0, a title starting with "-"; comment with dash text', async () => {
    const { tracker, fake } = setup({ ...seed(), mode, prefix: 'bd' });
    const found = await tracker.create({ title: '-flaky test', description: 'seen while on bd-a', type: 'bug', priority: 0, discoveredFrom: 'bd-a', labels: ['found', 'ci'] });
    expect(found).toMatchObject({ title: '-flaky test', type: 'bug', priority: 0, labels: ['found', 'ci'], status: 'open' });
    expect(found.dependencies).toEqual([{ id: 'bd-a', type: 'discovered-from' }]);
    expect(found.id).toMatch(/^bd-[0-9a-z]+$/);
    const child = await tracker.create({ title: 'sub', description: 'x', type: 'task', priority: 2, parent: 'bd-e' });
    expect(child).toMatchObject({ id: 'bd-e.2', parent: 'bd-e' });
    await tracker.comment('bd-a', '-- not a flag');
    expect(fake.state().comments).toMatchObject([{ issue_id: 'bd-a', text: '-- not a flag', author: 'orch' }]);
    // discovered-from does not block: the new bug is ready at once.
    expect((await tracker.ready()).map((i) => i.id)).toContain(found.id);
  });

  it('list: everything by default (closed too), or one status', async () => {
    const { tracker } = setup({ ...seed(), mode });
    expect((await tracker.list()).map((i) => i.id).sort()).toEqual(['bd-a', 'bd-b', 'bd-c', 'bd-d', 'bd-e', 'bd-e.1']);
    expect((await tracker.list({ status: 'in_progress' })).map((i) => i.id)).toEqual(['bd-d']);
    expect((await tracker.list({ parent: 'bd-e' })).map((i) => i.id)).toEqual(['bd-e.1']);
  });

  it('batch show: 50 ids in one bd call, answered in the order asked', async () => {
    const issues = Array.from({ length: 60 }, (_, n) => seedIssue({ id: `bd-${String(n).padStart(3, '0')}`, title: `issue ${n}` }));
    const { tracker, fake } = setup({ issues, mode });
    const want = issues.slice(5, 55).map((i) => i.id).reverse();
    const got = await tracker.show(want);
    expect(got.map((i) => i.id)).toEqual(want);
    expect(fake.calls().filter((c) => c.command === 'show')).toHaveLength(1);
  });
});

describe('BeadsTracker failure handling', () => {
  it('retries a busy (lock) failure with backoff, then succeeds', async () => {
    const { tracker, fake, sleeps } = setup({ ...seed(), failures: [{ command: 'update', nth: 1, times: 2, kind: 'busy' }] });
    expect(await tracker.claim('bd-a', 'w')).toMatchObject({ assignee: 'w', status: 'in_progress' });
    const updates = fake.calls().filter((c) => c.command === 'update');
    expect(updates.map((c) => [c.exitCode, c.failure ?? null])).toEqual([[1, 'busy'], [1, 'busy'], [0, null]]);
    expect(sleeps).toHaveLength(2);
    const [first = 0, second = 0] = sleeps;
    expect(second).toBeGreaterThan(first / 2); // grows (with jitter)
  });

  it('gives up after the attempts with lock_held when the lock never frees', async () => {
    const { tracker, fake } = setup({ ...seed(), failures: [{ command: 'ready', times: 99, kind: 'busy' }] }, { retry: { attempts: 3 } });
    const e = await rejection(tracker.ready());
    expect(e.code).toBe('lock_held');
    expect(e.message).toContain('database is locked');
    expect(fake.calls().filter((c) => c.command === 'ready')).toHaveLength(3);
  });

  it('a permanent error fails at once with stderr’s first line (plain text or bd’s JSON error)', async () => {
    const text = setup({ ...seed(), failures: [{ command: 'ready', kind: 'text', message: 'database schema v52 is newer than this bd understands' }] });
    const e1 = await rejection(text.tracker.ready());
    expect(e1.message).toBe('bd ready: database schema v52 is newer than this bd understands');
    expect(text.fake.calls()).toHaveLength(1);
    expect(text.sleeps).toEqual([]);
    for (const mode of ['envelope', 'legacy'] as const) {
      const json = setup({ ...seed(), mode, failures: [{ command: 'create', kind: 'error', message: 'title must be 500 characters or fewer', code: 'validation' }] });
      const e2 = await rejection(json.tracker.create({ title: 'x', description: '', type: 'task', priority: 2 }));
      expect([e2.code, e2.message]).toEqual(['usage', 'bd create: title must be 500 characters or fewer']);
    }
  });

  it('bd missing → not_found with an install hint', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-nobd-'));
    dirs.push(empty);
    const tracker = new BeadsTracker({ workspace: empty, env: { PATH: empty } });
    const e = await rejection(tracker.ready());
    expect(e.code).toBe('not_found');
    expect(e.message).toContain('beads CLI not found');
    expect(e.hint).toMatch(/install beads/);
  });

  it('no database → config_invalid telling to run bd init', async () => {
    const { fake } = setup(seed());
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-nodb-'));
    dirs.push(bare);
    const e = await rejection(new BeadsTracker({ workspace: bare, env: fake.env }).ready());
    expect(e.code).toBe('config_invalid');
    expect(e.hint).toContain('bd init');
  });

  it('serialises calls per workspace (across tracker instances) and drops a stray BEADS_DIR', async () => {
    const { tracker, fake, dir } = setup({ ...seed(), delayMs: 250 });
    // Control: raw bd processes at once do collide in the fake (each call holds it 250 ms, long enough to overlap on a loaded machine) — so zero overlaps below means something.
    const exec = promisify(execFile);
    await Promise.allSettled([0, 1, 2].map(() => exec('bd', ['ready', '--json'], { cwd: dir, env: fake.env })));
    expect(fake.calls().filter((c) => c.overlap)).not.toHaveLength(0);
    const before = fake.calls().length;
    const other = new BeadsTracker({ workspace: path.join(dir, '.', '.beads', '..'), env: { ...fake.env, BEADS_DIR: '/nowhere' } });
    const results = await Promise.all([tracker.ready(), other.show(['bd-a', 'bd-b']), tracker.update('bd-b', { notes: 'x' }), other.list(), tracker.claim('bd-a', 'w'), other.comment('bd-a', 'hi')]);
    expect(results).toHaveLength(6);
    const mine = fake.calls().slice(before);
    expect(mine.filter((c) => c.overlap)).toEqual([]);
    expect(mine.every((c) => c.beadsDirEnv === null)).toBe(true);
  });
});
