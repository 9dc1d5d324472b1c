import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OrchError } from '../../core/errors.ts';
import { nextId, TaskFileTracker } from './task-file.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/trackers');
const clock = { now: () => new Date('2026-05-01T12:00:00Z') };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function copy(name: string, transform: (s: string) => string = (s) => s): { file: string; original: string; tracker: TaskFileTracker } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-tasks-'));
  dirs.push(dir);
  const file = path.join(dir, name);
  const original = transform(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
  fs.writeFileSync(file, original);
  return { file, original, tracker: new TaskFileTracker({ path: file, clock }) };
}
const read = (f: string): string => fs.readFileSync(f, 'utf8');
/** Lines of `after` that are not in `before`, and the reverse (a multiset diff is enough here). */
function diff(before: string, after: string): { added: string[]; removed: string[] } {
  const count = (s: string) => s.split('\n').reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const [b, a] = [count(before), count(after)];
  const only = (x: Map<string, number>, y: Map<string, number>) => [...x].flatMap(([l, n]) => Array<string>(Math.max(0, n - (y.get(l) ?? 0))).fill(l));
  return { added: only(a, b), removed: only(b, a) };
}
async function rejection(p: Promise<unknown>): Promise<OrchError> {
  const e: unknown = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(OrchError);
  return e as OrchError;
}

describe('TaskFileTracker (YAML)', () => {
  it('a change after its own write sees edits made by others in between; answers are copies', async () => {
    const { file, tracker } = copy('tasks.yaml');
    const [first] = await tracker.show(['T1']);
    first!.title = 'changed by the caller';
    first!.dependencies.push({ id: 'T9', type: 'blocks' });
    expect((await tracker.show(['T1']))[0]!.title).not.toBe('changed by the caller');
    await tracker.update('T1', { notes: 'one' });
    // Someone edits the file by hand between two changes of the tracker: the next change keeps it.
    fs.writeFileSync(file, read(file).replace(/title: (.*)\n/, 'title: edited by hand\n'));
    await tracker.update('T1', { notes: 'two' });
    const [t1] = await tracker.show(['T1']);
    expect(t1!.title).toBe('edited by hand');
    expect(t1!.notes).toMatch(/one[\s\S]*two/);
    expect(t1!.dependencies.some((d) => d.id === 'T9')).toBe(false);
  });

  it('reads tasks, deps (bare = blocks, kind:id), ready order', async () => {
    const { tracker } = copy('tasks.yaml');
    const [t1, t4] = await tracker.show(['T1', 'T4']);
    expect(t1).toMatchObject({ status: 'closed', acceptance: 'unit tests cover missing and malformed files', description: 'Load `orch.config.yaml` from the repo root.\nMissing file means defaults.\n' });
    expect(t4?.dependencies).toEqual([{ id: 'T1', type: 'blocks' }, { id: 'T3', type: 'related' }]);
    expect((await tracker.ready()).map((t) => t.id)).toEqual(['T2', 'T4']);
  });

  it('claim + update + close keep every comment and untouched line', async () => {
    const { tracker, file, original } = copy('tasks.yaml');
    expect(await tracker.claim('T2', 'worker-1')).toMatchObject({ status: 'in_progress', assignee: 'worker-1' });
    expect(diff(original, read(file))).toEqual({ added: ['    status: in_progress', '    assignee: worker-1'], removed: ['    status: open'] });
    await tracker.update('T2', { notes: 'schema drafted', metadata: { 'orch.session': 'ses_1' } });
    const after = await tracker.update('T2', { notes: 'tests green' });
    expect(after.notes).toBe('schema drafted\ntests green');
    expect(after.metadata).toEqual({ 'orch.session': 'ses_1' });
    expect((await tracker.close('T2', 'merged')).status).toBe('closed');
    const text = read(file);
    for (const keep of ['# Plan for the config loader — keep this comment', '  # Groundwork first', '    status: closed   # done in session 1', '    deps: [T2] # flags need the validated shape', '      - related:T3']) {
      expect(text).toContain(keep);
    }
    expect(text).toContain('    close_reason: merged\n    closed_at: 2026-05-01T12:00:00.000Z');
    expect((await tracker.ready()).map((t) => t.id)).toEqual(['T3', 'T4']);
  });

  it('claim conflict, claim of a closed task, close guard', async () => {
    const { tracker, file } = copy('tasks.yaml');
    await tracker.claim('T2', 'a');
    const before = read(file);
    expect((await rejection(tracker.claim('T2', 'b'))).code).toBe('lock_held');
    expect((await rejection(tracker.claim('T1', 'b'))).code).toBe('illegal_transition');
    const guard = await rejection(tracker.close('T3', 'x'));
    expect([guard.code, guard.message]).toEqual(['illegal_transition', 'cannot close T3: blocked by open T2']);
    expect(read(file)).toBe(before);
  });

  it('create continues the numbering with a discovered-from edge; comments; unknown id is not_found', async () => {
    const { tracker, file } = copy('tasks.yaml');
    const t = await tracker.create({ title: 'Handle env overrides', description: 'found while on T3', type: 'bug', priority: 1, discoveredFrom: 'T3', labels: ['config'] });
    expect(t).toMatchObject({ id: 'T5', type: 'bug', priority: 1, labels: ['config'], dependencies: [{ id: 'T3', type: 'discovered-from' }] });
    await tracker.comment('T5', 'repro: ORCH_BUDGET=1');
    expect(read(file)).toContain('  - id: T5\n    title: Handle env overrides');
    expect(read(file)).toContain('    comments:\n      - "repro: ORCH_BUDGET=1"');
    expect((await tracker.ready()).map((x) => x.id)).toEqual(['T5', 'T2', 'T4']);
    expect((await rejection(tracker.show(['T9']))).code).toBe('not_found');
    expect((await rejection(tracker.create({ title: 'x', description: '', type: 'task', priority: 2, parent: 'T9' }))).code).toBe('not_found');
  });

  it('rejects invalid files with config_invalid naming the file', async () => {
    const { tracker } = copy('tasks.yaml', (s) => s.replace('  - id: T4', '  - id: T3'));
    const e = await rejection(tracker.list());
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain('task id T3 appears twice');
  });
});

describe('TaskFileTracker (markdown)', () => {
  it('parses checkboxes, descriptions, depends, nesting as parent, and ignores fenced code', async () => {
    const { tracker } = copy('tasks.md');
    const all = await tracker.list();
    expect(all.map((t) => [t.id, t.status])).toEqual([['T1', 'closed'], ['T2', 'open'], ['T3', 'open'], ['T3.1', 'open'], ['T4', 'open']]);
    expect(all[0]).toMatchObject({ description: 'Load `orch.config.yaml` from the repo root.\nMissing file means defaults.', acceptance: 'unit tests cover missing and malformed files' });
    expect(all[3]).toMatchObject({ parent: 'T3', priority: 1 });
    expect(all[4]?.dependencies).toEqual([{ id: 'T1', type: 'blocks' }, { id: 'T3', type: 'related' }]);
    expect((await tracker.ready()).map((t) => t.id)).toEqual(['T2', 'T4']);
  });

  it('claim flips the checkbox and adds one indented line; notes append; close flips to [x]', async () => {
    const { tracker, file, original } = copy('tasks.md');
    await tracker.claim('T2', 'worker-1');
    expect(diff(original, read(file))).toEqual({ added: ['- [~] T2: Validate with zod', '  assignee: worker-1'], removed: ['- [ ] T2: Validate with zod'] });
    const t2 = await tracker.update('T2', { notes: 'schema drafted\nedge cases next', metadata: { 'orch.session': 'ses_1' } });
    expect(t2).toMatchObject({ notes: 'schema drafted\nedge cases next', metadata: { 'orch.session': 'ses_1' }, description: 'Reject unknown keys with a clear message.' });
    await tracker.close('T2', 'merged');
    const text = read(file);
    expect(text).toContain('- [x] T2: Validate with zod\n  Reject unknown keys with a clear message.\n  depends: T1\n  assignee: worker-1\n  note: schema drafted\n  note: edge cases next\n  meta.orch.session: ses_1\n  reason: merged\n- [ ] T3');
    expect(diff(original, text).removed).toEqual(['- [ ] T2: Validate with zod']);
    expect((await tracker.ready()).map((t) => t.id)).toEqual(['T3.1', 'T3', 'T4']);
  });

  it('create appends after the last task (or under its parent), leaving prose alone', async () => {
    const { tracker, file, original } = copy('tasks.md');
    const t = await tracker.create({ title: 'Env overrides', description: 'found on T3\nsecond line', type: 'bug', priority: 1, discoveredFrom: 'T3' });
    expect(t).toMatchObject({ id: 'T5', description: 'found on T3\nsecond line', type: 'bug', priority: 1, dependencies: [{ id: 'T3', type: 'discovered-from' }] });
    const sub = await tracker.create({ title: 'Parse --max-sessions', description: '', type: 'task', priority: 2, parent: 'T3' });
    expect(sub).toMatchObject({ id: 'T6', parent: 'T3' });
    const text = read(file);
    expect(text).toContain('    priority: P1\n  - [ ] T6: Parse --max-sessions\n- [ ] T4');
    expect(text).toContain('  priority: P3\n- [ ] T5: Env overrides\n  found on T3\n  second line\n  depends: discovered-from:T3\n  type: bug\n  priority: P1\n\n```md');
    expect(diff(original, text).removed).toEqual([]);
    expect(text.endsWith('Trailing prose stays too.\n')).toBe(true);
  });

  it('keeps CRLF line endings', async () => {
    const { tracker, file } = copy('tasks.md', (s) => s.replace(/\n/g, '\r\n'));
    await tracker.claim('T4', 'w');
    const text = read(file);
    expect(text).toContain('- [~] T4: Document the keys\r\n');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });
});

describe('TaskFileTracker writes', () => {
  it('replace the file atomically (new inode, no temp left) and serialise concurrent writers', async () => {
    const { tracker, file } = copy('tasks.md');
    // Replaced, not rewritten: a descriptor opened before still reads the old, now unlinked, file.
    const fd = fs.openSync(file, 'r');
    const before = read(file);
    await Promise.all(Array.from({ length: 20 }, (_, n) => tracker.comment('T4', `c${n}`)));
    expect(fs.readFileSync(fd, 'utf8')).toBe(before);
    expect(fs.fstatSync(fd).nlink).toBe(0);
    fs.closeSync(fd);
    expect(read(file).match(/^ {2}comment: c\d+$/gm)).toHaveLength(20);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['tasks.md']);
  });

  it('a concurrent reader never sees a torn file', async () => {
    const { tracker, file } = copy('tasks.yaml', (s) => s + `# ${'padding '.repeat(40_000)}\n`);
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        const t = fs.readFileSync(file, 'utf8');
        expect(t.endsWith('\n') && t.startsWith('# Plan')).toBe(true);
        expect(t.match(/^ {2}- id: T\d+$/gm)?.length).toBeGreaterThanOrEqual(4);
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let n = 0; n < 15; n++) await tracker.update('T2', { notes: `n${n}` });
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect((await tracker.show(['T2']))[0]?.notes.split('\n')).toHaveLength(15);
  });

  it('nextId continues the dominant numbering', () => {
    expect(nextId([])).toBe('T1');
    expect(nextId(['T1', 'T2', 'T10', 'X1'])).toBe('T11');
    expect(nextId(['task-3', 'task-4', 'misc'])).toBe('task-5');
  });
});
