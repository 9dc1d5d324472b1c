import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrchError } from '../../core/errors.ts';
import { TaskFileTracker } from './task-file.ts';

// Count the task file's writes while still writing it for real.
const writes = vi.hoisted(() => ({ n: 0 }));
vi.mock('./atomic-write.ts', async (actual) => {
  const real = await actual<typeof import('./atomic-write.ts')>();
  return { ...real, writeFileAtomic: async (...a: Parameters<typeof real.writeFileAtomic>) => (writes.n++, real.writeFileAtomic(...a)) };
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tracker(): { file: string; t: TaskFileTracker } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-tasks-'));
  dirs.push(dir);
  const file = path.join(dir, 'tasks.yaml');
  fs.writeFileSync(file, 'tasks:\n  - id: A\n    title: a\n  - id: B\n    title: b\n  - id: C\n    title: c\n    status: closed\n  - id: D\n    title: d\n');
  return { file, t: new TaskFileTracker({ path: file }) };
}

describe('TaskFileTracker: changes asked together', () => {
  it('are written to the file once, each answered from the re-read file', async () => {
    const { file, t } = tracker();
    writes.n = 0;
    const claimed = await Promise.all(['A', 'B', 'D'].map((id) => t.claim(id, 'orch:cv')));
    expect(writes.n).toBe(1);
    expect(claimed.map((i) => [i.id, i.status, i.assignee])).toEqual([['A', 'in_progress', 'orch:cv'], ['B', 'in_progress', 'orch:cv'], ['D', 'in_progress', 'orch:cv']]);
    const fresh = new TaskFileTracker({ path: file });
    expect((await fresh.show(['A', 'B', 'D'])).map((i) => i.status)).toEqual(['in_progress', 'in_progress', 'in_progress']);
    writes.n = 0;
    await Promise.all([t.close('A', 'done a'), t.close('B', 'done b')]);
    expect(writes.n).toBe(1);
    expect((await fresh.show(['A', 'B'])).map((i) => [i.status, i.closeReason])).toEqual([['closed', 'done a'], ['closed', 'done b']]);
  });

  it('one that fails is refused alone; the others land in the same write', async () => {
    const { file, t } = tracker();
    writes.n = 0;
    const [a, c, gone, d] = await Promise.allSettled([t.claim('A', 'x'), t.claim('C', 'x'), t.claim('nope', 'x'), t.claim('D', 'x')]);
    expect(writes.n).toBe(1);
    expect(a.status).toBe('fulfilled');
    expect(d.status).toBe('fulfilled');
    expect(c.status === 'rejected' && c.reason instanceof OrchError && c.reason.code).toBe('illegal_transition');
    expect(gone.status === 'rejected' && gone.reason instanceof OrchError && gone.reason.code).toBe('not_found');
    const now = await new TaskFileTracker({ path: file }).show(['A', 'B', 'C', 'D']);
    expect(now.map((i) => i.status)).toEqual(['in_progress', 'open', 'closed', 'in_progress']);
    // A later change is its own write.
    await t.update('B', { notes: 'later' });
    expect(writes.n).toBe(2);
  });
});
