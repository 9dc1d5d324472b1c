import { describe, expect, it } from 'vitest';
import { manualClock } from '../../adapters/clock.ts';
import { sequentialIds } from '../../adapters/ids.ts';
import { MemoryCheckpointStore } from '../../adapters/store/memory-store.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { nullSink } from '../ports.ts';
import { pauseSession } from '../session/finish.ts';
import { startSession } from '../session/start.ts';
import type { Tracker, TrackerIssue } from '../tracker/types.ts';
import { buildResumeBrief, listTrackerIssues } from './build.ts';

const deps = (): CoreDeps => ({ store: new MemoryCheckpointStore(), workspace: null, clock: manualClock(), ids: sequentialIds(), events: nullSink });

const issue = (id: string, status: string): TrackerIssue => ({
  id, title: `issue ${id}`, description: '', acceptance: '', notes: '', status, priority: 2, type: 'task', assignee: null, labels: [], dependencies: [],
  parent: 'E1', createdAt: null, updatedAt: null, closedAt: null, closeReason: null, ephemeral: false, deferUntil: null, metadata: {},
});

const trackerOf = (list: () => Promise<TrackerIssue[]>): Tracker => ({ kind: 'task-file', list }) as unknown as Tracker;

describe('resume brief: a tracker that fails to answer', () => {
  it('says "tracker unavailable: <reason>" in the Issues section and keeps the rest of the brief', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false, goal: 'g' });
    const failing = trackerOf(() => Promise.reject(new OrchError('not_found', 'task file not found: /x/TASKS.md', { hint: 'create it' })));
    const { markdown, facts } = await buildResumeBrief(d, null, 'e', { tracker: failing });
    expect(markdown).toContain('## Issues\ntracker unavailable: task file not found: /x/TASKS.md (create it)\n');
    expect(markdown).toMatch(/^# Resume brief: e — session 1 \(running\)\n\*\*Goal:\*\* g/);
    expect(facts.tracker).toEqual({ done: [], inProgress: [], blocked: [], error: 'task file not found: /x/TASKS.md (create it)' });
  });

  it('gives up on a tracker that does not answer in time', async () => {
    const hung = trackerOf(() => new Promise(() => undefined));
    const t0 = Date.now();
    expect(await listTrackerIssues({ tracker: hung, trackerTimeoutMs: 50 })).toEqual({ issues: [], error: 'no answer within 50 ms' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a tracker configured but not opened is said as such; none configured leaves the section out', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false });
    expect((await buildResumeBrief(d, null, 'e', { trackerUnavailable: 'config.yaml: tracker.kind: must be one of …' })).markdown).toContain(
      '## Issues\ntracker unavailable: config.yaml: tracker.kind: must be one of …',
    );
    expect((await buildResumeBrief(d, null, 'e')).markdown).not.toContain('## Issues');
    expect(await listTrackerIssues({})).toBeNull();
  });
});

describe('session start: the brief lists the tracker issues', () => {
  it('passes the tracker and its parent to the resume brief', async () => {
    const d = deps();
    const s = await startSession(d, { epicId: 'e', resume: false });
    await pauseSession(d, s.session, s.context, 'end of day');
    const asked: unknown[] = [];
    const tracker = trackerOf(() => Promise.resolve([issue('T1', 'closed'), issue('T2', 'in_progress'), issue('T3', 'blocked')]));
    const spy = { ...tracker, list: (q: unknown) => (asked.push(q), tracker.list()) } as Tracker;
    const next = await startSession(d, { epicId: 'e', resume: true, briefTracker: { tracker: spy, trackerParent: 'E1' } });
    expect(asked).toEqual([{ parent: 'E1' }]);
    expect(next.resumeBrief).toContain('## Issues\nIn progress (1)\n- T2 issue T2\nBlocked (1)\n- T3 issue T3\nDone (1)\n- T1 issue T1');
  });
});
