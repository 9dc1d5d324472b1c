import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../src/core/store.ts';
import type { Checkpoint } from '../../src/schema/checkpoint.ts';
import { emptyTestState } from '../../src/schema/context.ts';
import type { SessionEvent } from '../../src/schema/event.ts';

let seq = 0;
const id = (): string => `ckpt-${String(++seq).padStart(26, '0')}`;

export function checkpoint(epicId: string, sessionId: string, over: Partial<Checkpoint> = {}): Checkpoint {
  const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString();
  return {
    schemaVersion: 1,
    id: id(),
    epicId,
    sessionId,
    sessionNumber: 1,
    parentCheckpointId: null,
    createdAt,
    trigger: 'manual',
    reason: 'r',
    status: 'running',
    outcome: null,
    context: {
      epicId,
      sessionId,
      sessionNumber: 1,
      parentSessionId: null,
      cumulativeCost: 0,
      sessionCost: 0.25,
      unpricedCalls: 0,
      budget: 5,
      budgetRemaining: 4.75,
      filesModified: ['a.ts'],
      decisions: [{ at: createdAt, sessionNumber: 1, text: 'use plumbing' }],
      blockers: [{ at: createdAt, sessionNumber: 1, text: 'porcelain raced on index.lock' }],
      notes: [],
      currentTask: 'task',
      testState: emptyTestState(),
      agentSessionId: null,
    },
    git: null,
    ...over,
  };
}

const ev = (sessionId: string, type: string): SessionEvent => ({ id: `ev_${++seq}`, at: '2026-01-01T00:00:00.000Z', type, sessionId, sessionNumber: 1, detail: { nested: [1, 'x'] } });

/**
 * One contract for every CheckpointStore (LangGraph's checkpoint-validation style): run it against
 * each implementation.
 */
export function describeStoreContract(name: string, make: () => Promise<CheckpointStore>): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    it('round-trips a checkpoint without alteration', async () => {
      const s = await make();
      const c = checkpoint('e1', 'ses_a', { reason: 'quotes "x" $(rm -rf /) `y` \n newline ünïcode' });
      await s.putCheckpoint({ checkpoint: c, events: [], expectedParent: null });
      expect(await s.latestInSession('e1', 'ses_a')).toEqual(c);
      expect(await s.getCheckpoint(c.id)).toEqual(c);
      expect(await s.getCheckpoint(c.id.slice(0, -3), 'e1')).toEqual(c);
    });

    it('links parents and orders newest first; list honours limit and session', async () => {
      const s = await make();
      const a = checkpoint('e1', 'ses_a');
      const b = checkpoint('e1', 'ses_a', { parentCheckpointId: a.id });
      const c = checkpoint('e1', 'ses_b', { sessionNumber: 2 });
      await s.putCheckpoint({ checkpoint: a, events: [ev('ses_a', 'one')], expectedParent: null });
      await s.putCheckpoint({ checkpoint: b, events: [ev('ses_a', 'two')], expectedParent: a.id });
      await s.putCheckpoint({ checkpoint: c, events: [], expectedParent: null });
      expect((await s.listCheckpoints('e1')).checkpoints.map((x) => x.id)).toEqual([c.id, b.id, a.id]);
      expect((await s.listCheckpoints('e1', { limit: 2 })).checkpoints.map((x) => x.id)).toEqual([c.id, b.id]);
      expect((await s.listCheckpoints('e1', { sessionId: 'ses_a' })).checkpoints.map((x) => x.id)).toEqual([b.id, a.id]);
      expect((await s.latestInSession('e1', 'ses_a'))?.parentCheckpointId).toBe(a.id);
      expect((await s.readEvents('e1', 'ses_a')).map((e) => e.type)).toEqual(['one', 'two']);
      const tips = await s.listSessions('e1');
      expect(tips.map((t) => [t.sessionId, t.checkpointId, t.costUsd])).toEqual([
        ['ses_a', b.id, 0.25],
        ['ses_b', c.id, 0.25],
      ]);
    });

    it('compare-and-swap: a stale parent is refused as superseded and changes nothing', async () => {
      const s = await make();
      const a = checkpoint('e1', 'ses_a');
      const b = checkpoint('e1', 'ses_a');
      await s.putCheckpoint({ checkpoint: a, events: [], expectedParent: null });
      await s.putCheckpoint({ checkpoint: b, events: [], expectedParent: a.id });
      await expect(s.putCheckpoint({ checkpoint: checkpoint('e1', 'ses_a'), events: [], expectedParent: a.id })).rejects.toMatchObject({ code: 'superseded' });
      await expect(s.putCheckpoint({ checkpoint: checkpoint('e1', 'ses_a'), events: [], expectedParent: null })).rejects.toMatchObject({ code: 'superseded' });
      expect((await s.latestInSession('e1', 'ses_a'))?.id).toBe(b.id);
    });

    it('isolates epics', async () => {
      const s = await make();
      await s.putCheckpoint({ checkpoint: checkpoint('e1', 'ses_a'), events: [], expectedParent: null });
      await s.putCheckpoint({ checkpoint: checkpoint('e2', 'ses_a'), events: [], expectedParent: null });
      expect((await s.listCheckpoints('e1')).checkpoints).toHaveLength(1);
      expect((await s.listSessions('e2')).map((t) => t.sessionId)).toEqual(['ses_a']);
      expect((await s.listCheckpoints('e3')).checkpoints).toEqual([]);
      expect(await s.latestInSession('e3', 'ses_a')).toBeNull();
    });

    it('forks from an old checkpoint and leaves the source unchanged', async () => {
      const s = await make();
      const a = checkpoint('e1', 'ses_a');
      const b = checkpoint('e1', 'ses_a');
      await s.putCheckpoint({ checkpoint: a, events: [ev('ses_a', 'a')], expectedParent: null });
      await s.putCheckpoint({ checkpoint: b, events: [ev('ses_a', 'b')], expectedParent: a.id });
      const before = await s.listCheckpoints('e1', { sessionId: 'ses_a' });
      const f = checkpoint('e1', 'ses_f', { parentCheckpointId: a.id, sessionNumber: 2 });
      await s.putCheckpoint({ checkpoint: f, events: [ev('ses_f', 'f')], expectedParent: null, forkFrom: a.id });
      expect(await s.listCheckpoints('e1', { sessionId: 'ses_a' })).toEqual(before);
      expect((await s.listCheckpoints('e1', { sessionId: 'ses_f' })).checkpoints.map((x) => x.id)).toEqual([f.id, a.id]);
      expect((await s.readEvents('e1', 'ses_f')).map((e) => e.type)).toEqual(['a', 'f']);
    });

    it('keeps the epic record with compare-and-swap', async () => {
      const s = await make();
      const epic = { schemaVersion: 1 as const, epicId: 'e1', createdAt: 't0', updatedAt: 't0', goal: null, budget: 5, warnAt: 0.8, warnedForBudget: null, sessionCount: 0 };
      expect(await s.putEpic({ epic, events: [ev('epic:e1', 'budget.set')], expectedVersion: null })).toBe(true);
      expect(await s.putEpic({ epic: { ...epic, updatedAt: 't1' }, events: [], expectedVersion: null })).toBe(false);
      expect(await s.getEpic('e1')).toEqual(epic);
      expect(await s.putEpic({ epic: { ...epic, updatedAt: 't1', sessionCount: 1 }, events: [ev('epic:e1', 'x')], expectedVersion: 't0' })).toBe(true);
      expect(await s.putEpic({ epic: { ...epic, updatedAt: 't2' }, events: [], expectedVersion: 't0' })).toBe(false);
      expect((await s.getEpic('e1'))?.sessionCount).toBe(1);
      expect((await s.readEpicEvents('e1')).map((e) => e.type)).toEqual(['budget.set', 'x']);
      expect(await s.listEpics()).toEqual(['e1']);
      expect(await s.getEpic('nope')).toBeNull();
    });
  });
}
