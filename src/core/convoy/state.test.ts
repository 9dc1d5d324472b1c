import { describe, expect, it } from 'vitest';
import type { Convoy } from '../../schema/convoy.ts';
import type { SessionEvent } from '../../schema/event.ts';
import type { TrackerIssue } from '../tracker/types.ts';
import { CONVOY_EVENT as E } from './events.ts';
import { budgetShare, dispatchable, foldConvoy } from './state.ts';
import { witnessDecisions } from './witness.ts';

const convoy: Convoy = {
  schemaVersion: 1, id: 'cv_1', name: 'c', epicId: 'e', issues: ['A', 'B', 'C'], tracker: { kind: 'task-file', path: '/t.yaml' },
  agent: { name: 'command', command: 'true' }, budget: 9, base: 'b', integrationBranch: 'orch/cv_1/integration', maxAttempts: 2,
  maxRestarts: 1, staleMinutes: 1, sessionsPerAttempt: 1, createdAt: 't', updatedAt: 't', cancelled: false, requireReview: false,
};
let n = 0;
const ev = (type: string, fields: Record<string, unknown>): SessionEvent => ({ id: `ev_${++n}`, at: 't', type, sessionId: 'convoy:cv_1', sessionNumber: 1, ...fields });
const issue = (id: string, deps: string[] = []): TrackerIssue =>
  ({ id, title: id, description: '', acceptance: '', notes: '', status: 'open', priority: 2, type: 'task', assignee: null, labels: [], dependencies: deps.map((d) => ({ id: d, type: 'blocks' })), parent: null, createdAt: null, updatedAt: null, closedAt: null, closeReason: null, ephemeral: false, deferUntil: null, metadata: {} });

describe('convoy state, folded from its journal', () => {
  it('follows dispatch, exit, send-back, merge; a superseded worker’s exit changes nothing', () => {
    const st = foldConvoy(convoy, [
      ev(E.dispatched, { issueId: 'A', workerId: 'w1', attempt: 1 }),
      ev(E.session, { issueId: 'A', workerId: 'w1', orchSessionId: 'ses_1' }),
      ev(E.witnessRestart, { issueId: 'A', workerId: 'w1', restarts: 1 }),
      ev(E.workerExited, { issueId: 'A', workerId: 'w1', done: true, costUsd: 5 }), // the zombie's report
      ev(E.dispatched, { issueId: 'A', workerId: 'w2', attempt: 1 }),
      ev(E.workerExited, { issueId: 'A', workerId: 'w2', done: true, costUsd: 1.5 }),
      ev(E.merged, { issueId: 'A' }),
      ev(E.closed, { issueId: 'A' }),
      ev(E.dispatched, { issueId: 'B', workerId: 'w3', attempt: 1 }),
      ev(E.workerExited, { issueId: 'B', workerId: 'w3', done: false, costUsd: null, summary: 'tests fail' }),
    ]);
    expect(st.issues.get('A')).toMatchObject({ status: 'done', closed: true, restarts: 1, attempts: 1, costUsd: 1.5, sessionIds: ['ses_1'] });
    expect(st.issues.get('B')).toMatchObject({ status: 'pending', attempts: 1, unknownCosts: 1, reasons: ['attempt 1: tests fail'] });
    expect(st.finished).toBe(false);
  });

  it('dispatches only issues whose blockers in the convoy are done, under the attempt cap', () => {
    const tracked = new Map([['A', issue('A')], ['B', issue('B', ['A'])], ['C', issue('C', ['X-outside'])]]);
    expect(dispatchable(convoy, foldConvoy(convoy, []), tracked)).toEqual(['A', 'C']);
    const afterA = foldConvoy(convoy, [ev(E.dispatched, { issueId: 'A', workerId: 'w', attempt: 1 }), ev(E.merged, { issueId: 'A' }), ev(E.dispatched, { issueId: 'C', workerId: 'x', attempt: 2 }), ev(E.sentBack, { issueId: 'C', reason: 'conflict' })]);
    expect(dispatchable(convoy, afterA, tracked)).toEqual(['B']); // C used its 2 attempts
  });

  it('gives each new worker an equal share of what is left, never more than the budget in all', () => {
    expect(budgetShare(9, 3, { outstanding: 0, freeSlots: 1 })).toBe(6);
    expect(budgetShare(9, 3, { outstanding: 0, freeSlots: 3 })).toBe(2);
    expect(budgetShare(9, 3, { outstanding: 4, freeSlots: 2 })).toBe(1);
    expect(budgetShare(9, 12, { outstanding: 0, freeSlots: 1 })).toBe(0);
    expect(budgetShare(null, 3, { outstanding: 0, freeSlots: 1 })).toBeNull();
    // Three workers dispatched one after another: their shares add up to the budget left.
    let outstanding = 0;
    for (let running = 0; running < 3; running++) outstanding += budgetShare(9, 0, { outstanding, freeSlots: 3 - running })!;
    expect(outstanding).toBeCloseTo(9);
  });

  it('the witness restarts a stale or dead worker, fails it past the cap and escalates once', () => {
    const running = foldConvoy(convoy, [ev(E.dispatched, { issueId: 'A', workerId: 'w1', attempt: 1 })]);
    const now = new Date('2026-01-01T00:10:00Z');
    const fresh = { workerId: 'w1', issueId: 'A', lastProgress: new Date('2026-01-01T00:09:30Z'), alive: true };
    expect(witnessDecisions(convoy, running, [fresh], { staleMinutes: 1, maxRestarts: 1 }, now)).toEqual([]);
    const [stale] = witnessDecisions(convoy, running, [{ ...fresh, lastProgress: new Date('2026-01-01T00:08:00Z') }], { staleMinutes: 1, maxRestarts: 1 }, now);
    expect(stale).toMatchObject({ action: 'restart', escalate: false });
    const once = foldConvoy(convoy, [ev(E.dispatched, { issueId: 'A', workerId: 'w1', attempt: 1 }), ev(E.witnessRestart, { issueId: 'A', workerId: 'w1' }), ev(E.dispatched, { issueId: 'A', workerId: 'w2', attempt: 1 })]);
    const [dead] = witnessDecisions(convoy, once, [{ workerId: 'w2', issueId: 'A', lastProgress: now, alive: false }], { staleMinutes: 1, maxRestarts: 1 }, now);
    expect(dead).toMatchObject({ action: 'fail', escalate: true, reason: 'its process is gone' });
    const escalated = foldConvoy(convoy, [...[ev(E.dispatched, { issueId: 'A', workerId: 'w2', attempt: 1 })], ev(E.witnessEscalated, { issueId: 'A' })]);
    escalated.issues.get('A')!.restarts = 1;
    expect(witnessDecisions(convoy, escalated, [{ workerId: 'w2', issueId: 'A', lastProgress: now, alive: false }], { staleMinutes: 1, maxRestarts: 1 }, now)[0]?.escalate).toBe(false);
  });
});
