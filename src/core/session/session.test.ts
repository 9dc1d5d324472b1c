import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../adapters/clock.ts';
import { sequentialIds } from '../../adapters/ids.ts';
import { MemoryCheckpointStore } from '../../adapters/store/memory-store.ts';
import { budgetStatus } from '../budget.ts';
import type { CoreDeps } from '../deps.ts';
import { nullSink } from '../ports.ts';
import { writeCheckpoint } from './checkpoint.ts';
import { pauseEpicSession } from './commands.ts';
import { chargeCost } from './context.ts';
import { completeSession, pauseSession } from './finish.ts';
import { startSession } from './start.ts';
import { epicStatus } from './status.ts';

function deps(): CoreDeps & { clock: ReturnType<typeof manualClock> } {
  return { store: new MemoryCheckpointStore(), workspace: null, clock: manualClock(), ids: sequentialIds(), events: nullSink };
}

describe('sessions', () => {
  it('start → pause → resume carries what was learned, not what was spent', async () => {
    const d = deps();
    const { session, context } = await startSession(d, { epicId: 'auth', resume: false, budget: 5, goal: 'magic links' });
    expect(session.status).toBe('running');
    const spent = chargeCost(context, 1.25);
    spent.blockers.push({ at: 't', sessionNumber: 1, text: 'SMTP mock hung in CI' });
    spent.decisions.push({ at: 't', sessionNumber: 1, text: 'tokens expire after 15 min' });
    await pauseSession(d, session, spent, 'End of day');
    expect(session.status).toBe('paused');
    const r = await startSession(d, { epicId: 'auth', resume: true });
    expect(r.session.number).toBe(2);
    expect(r.session.parentSessionId).toBe(session.id);
    expect(r.context.sessionCost).toBe(0);
    expect(r.context.cumulativeCost).toBe(1.25);
    expect(r.context.budgetRemaining).toBe(3.75);
    expect(r.context.blockers.map((b) => b.text)).toEqual(['SMTP mock hung in CI']);
    expect(r.resumeBrief).toContain("## What didn't work");
    expect(r.resumeBrief).toContain('SMTP mock hung in CI');
    expect(r.resumeBrief).toContain('**Goal:** magic links');
    // Fresh arrays: changing the new context does not reach the stored one.
    r.context.blockers.push({ at: 't', sessionNumber: 2, text: 'x' });
    const again = await d.store.latestInSession('auth', session.id);
    expect(again?.context.blockers).toHaveLength(1);
  });

  it('an illegal transition is a typed error and writes nothing', async () => {
    const d = deps();
    const { session, context } = await startSession(d, { epicId: 'e', resume: false });
    await completeSession(d, session, context, 'success');
    const before = await d.store.listCheckpoints('e');
    await expect(pauseSession(d, session, context, 'late')).rejects.toMatchObject({ code: 'illegal_transition', exitCode: 3 });
    expect(await d.store.listCheckpoints('e')).toEqual(before);
  });

  it('refuses a second live session without --resume, and --resume marks the crashed one interrupted keeping its cost', async () => {
    const d = deps();
    const a = await startSession(d, { epicId: 'e', resume: false, budget: 10 });
    await writeCheckpoint(d, a.session, chargeCost(a.context, 2), { trigger: 'agent_result', reason: 'turn' });
    await expect(startSession(d, { epicId: 'e', resume: false })).rejects.toMatchObject({ code: 'illegal_transition' });
    const b = await startSession(d, { epicId: 'e', resume: true });
    expect(b.interrupted).toEqual([a.session.id]);
    const st = await epicStatus(d, 'e');
    expect(st.sessions.map((s) => [s.status, s.costUsd])).toEqual([
      ['interrupted', 2],
      ['running', 0],
    ]);
    expect(st.budget.spent).toBe(2);
  });

  it('budget: warns once at 80 %, refuses when exhausted with a hint, and --budget on resume raises it', async () => {
    const d = deps();
    const a = await startSession(d, { epicId: 'e', resume: false, budget: 1 });
    expect(a.warning).toBeNull();
    await pauseSession(d, a.session, chargeCost(a.context, 0.85), 'p');
    const b = await startSession(d, { epicId: 'e', resume: true });
    expect(b.warning).toMatch(/85 %/);
    await pauseSession(d, b.session, chargeCost(b.context, 0.05), 'p');
    const c = await startSession(d, { epicId: 'e', resume: true });
    expect(c.warning).toBeNull(); // once per budget
    await pauseSession(d, c.session, chargeCost(c.context, 0.2), 'p');
    await expect(startSession(d, { epicId: 'e', resume: true })).rejects.toMatchObject({ code: 'budget_exceeded', exitCode: 1, hint: expect.stringMatching(/--budget/) });
    const raised = await startSession(d, { epicId: 'e', resume: true, budget: 2 });
    expect(raised.budget).toMatchObject({ budget: 2, spent: 1.1, exhausted: false });
    const events = await d.store.readEpicEvents('e');
    expect(events.filter((e) => e.type === 'budget.warning')).toHaveLength(1);
  });

  it('pause by epic id picks the live session', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false });
    const c = await pauseEpicSession(d, 'e', 'End of day');
    expect(c.status).toBe('paused');
    await expect(pauseEpicSession(d, 'e', 'again')).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(pauseEpicSession(d, 'nope', 'x')).rejects.toMatchObject({ code: 'not_found', exitCode: 2 });
  });

  it('spent is the sum of recorded session costs, whatever the order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000_000 }), { maxLength: 40 }), (micros) => {
        const tips = micros.map((m) => ({ costUsd: m / 1e6 }));
        const a = budgetStatus(100, tips).spent;
        const b = budgetStatus(100, [...tips].reverse()).spent;
        expect(a).toBe(b);
        expect(Math.abs(a - micros.reduce((x, y) => x + y, 0) / 1e6)).toBeLessThan(1e-6);
      }),
    );
  });
});
