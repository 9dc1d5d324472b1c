import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installFakeBd, loadBeadsExport } from '../../../test/support/fake-bd/index.ts';
import { readyIssues } from '../../core/tracker/deps.ts';
import { BeadsIssue, toTrackerIssue } from '../../schema/beads.ts';
import { BeadsTracker } from './beads.ts';

// The real Gas Town tracker: 677 issues in the export/DB shape (nulls, metadata as a JSON string,
// 0/1 flags, Gas Town agent fields) — the least tidy input the parser will meet.
const ex = loadBeadsExport();
const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

describe('real beads export (gastown, 677 issues)', () => {
  it('every issue parses and normalises, edges and labels joined', () => {
    expect(ex.issues).toHaveLength(677);
    const failures: string[] = [];
    const issues = ex.issues.flatMap((raw) => {
      const r = BeadsIssue.safeParse(raw);
      if (!r.success) {
        failures.push(raw.id);
        return [];
      }
      const deps = ex.dependencies.filter((d) => d.issue_id === raw.id).map((d) => ({ id: d.depends_on_id, type: d.type }));
      return [{ ...toTrackerIssue(r.data, deps), labels: ex.labels.filter((l) => l.issue_id === raw.id).map((l) => l.label) }];
    });
    expect(failures).toEqual([]);
    expect(issues).toHaveLength(677);
    const count = (f: (i: (typeof issues)[number]) => boolean): number => issues.filter(f).length;
    expect(count((i) => i.status === 'closed')).toBe(643);
    expect(count((i) => i.priority === 0)).toBe(17); // P0 survives (no falsy default)
    expect(count((i) => i.closedAt !== null)).toBe(count((i) => i.status === 'closed'));
    expect(count((i) => i.dependencies.length > 0)).toBeGreaterThan(0);
    expect(issues.reduce((n, i) => n + i.dependencies.length, 0)).toBe(ex.dependencies.length);
    expect(count((i) => i.parent !== null)).toBe(new Set(ex.dependencies.filter((d) => d.type === 'parent-child').map((d) => d.issue_id)).size);
    expect(issues.every((i) => typeof i.metadata === 'object' && i.title !== undefined && i.type !== '')).toBe(true);
    expect(count((i) => i.assignee === '')).toBe(0);
  });

  it.each(['envelope', 'legacy'] as const)('served by the fake bd (%s): list reads all 677; bd ready agrees with readyIssues', async (mode) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-gt-'));
    tmp.push(dir);
    const fake = installFakeBd(dir, { ...ex, mode, prefix: 'gt' });
    const tracker = new BeadsTracker({ workspace: dir, env: fake.env });
    const all = await tracker.list();
    expect(all).toHaveLength(677);
    const ready = await tracker.ready();
    expect(ready.length).toBeGreaterThan(0);
    // Two independent implementations of beads' ready semantics (the fake's JS, our deps.ts).
    expect(ready.map((i) => i.id).sort()).toEqual(readyIssues(all).map((i) => i.id).sort());
    const ids = all.slice(0, 50).map((i) => i.id);
    const before = fake.calls().length;
    expect((await tracker.show(ids)).map((i) => i.id)).toEqual(ids);
    expect(fake.calls().length - before).toBe(1);
  });
});
