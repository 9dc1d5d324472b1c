import { describe, expect, it } from 'vitest';
import { manualClock } from '../../adapters/clock.ts';
import { sequentialIds } from '../../adapters/ids.ts';
import { MemoryCheckpointStore } from '../../adapters/store/memory-store.ts';
import type { CoreDeps } from '../deps.ts';
import { nullSink } from '../ports.ts';
import { writeCheckpoint } from '../session/checkpoint.ts';
import { pauseEpicSession } from '../session/commands.ts';
import { chargeCost } from '../session/context.ts';
import { startSession } from '../session/start.ts';
import { costReport, setBudget, UNATTRIBUTED } from './report.ts';

function deps(): CoreDeps {
  return { store: new MemoryCheckpointStore(), workspace: null, clock: manualClock(), ids: sequentialIds(), events: nullSink };
}

const charge = (amount: number | null, models: Record<string, number | null>) => ({ type: 'cost.charged', amount, source: 'test', models });

describe('cost report', () => {
  it('per session and per model; unknown amounts are counted, never added as 0', async () => {
    const d = deps();
    const a = await startSession(d, { epicId: 'e', resume: false, budget: 10 });
    let ctx = chargeCost(a.context, 1.5);
    await writeCheckpoint(d, a.session, ctx, { trigger: 'agent_result', reason: 'r', events: [charge(1.5, { 'claude-sonnet-4-5': 1.2, 'claude-haiku-4-5': 0.3 })] });
    ctx = chargeCost(ctx, 0.5);
    // Part of this charge is not split by model: it shows as unattributed, not lost.
    await writeCheckpoint(d, a.session, ctx, { trigger: 'agent_result', reason: 'r', events: [charge(0.5, { 'claude-sonnet-4-5': 0.4 })] });
    await pauseEpicSession(d, 'e', 'p');
    const b = await startSession(d, { epicId: 'e', resume: true });
    await writeCheckpoint(d, b.session, { ...b.context, unpricedCalls: 1 }, { trigger: 'agent_result', reason: 'r', events: [charge(null, { 'mystery-model': null })] });

    const r = await costReport(d, 'e');
    expect(r.budget).toMatchObject({ budget: 10, spent: 2, remaining: 8 });
    expect(r.unknown).toBe(1);
    expect(r.sessions.map((s) => [s.sessionNumber, s.costUsd, s.unknown, s.charges])).toEqual([
      [1, 2, 0, 2],
      [2, 0, 1, 1],
    ]);
    expect(r.models).toEqual([
      { model: 'claude-sonnet-4-5', usd: 1.6, unknown: 0 },
      { model: 'claude-haiku-4-5', usd: 0.3, unknown: 0 },
      { model: UNATTRIBUTED, usd: 0.1, unknown: 0 },
      { model: 'mystery-model', usd: 0, unknown: 1 },
    ]);
  });

  it('transcript charges: unpriced calls and their models are unknown, next to the priced part', async () => {
    const d = deps();
    const a = await startSession(d, { epicId: 'e', resume: false });
    await writeCheckpoint(d, a.session, { ...chargeCost(a.context, 0.2), unpricedCalls: 2 }, {
      trigger: 'hook',
      reason: 'Stop',
      events: [{ type: 'cost.charged', amount: 0.2, source: 'transcript', models: { 'claude-sonnet-4-5': 0.2 }, unpricedCalls: 2, unpricedModels: ['new-model'] }],
    });
    const r = await costReport(d, 'e');
    expect(r.sessions[0]).toMatchObject({ costUsd: 0.2, unknown: 2 });
    expect(r.models).toEqual([
      { model: 'claude-sonnet-4-5', usd: 0.2, unknown: 0 },
      { model: 'new-model', usd: 0, unknown: 1 },
    ]);
  });

  it('spend recorded without charge events is unattributed, so the models add up to the sessions', async () => {
    const d = deps();
    const a = await startSession(d, { epicId: 'e', resume: false });
    await writeCheckpoint(d, a.session, chargeCost(a.context, 0.75), { trigger: 'hook', reason: 'transcript' });
    const r = await costReport(d.store, 'e');
    expect(r.models).toEqual([{ model: UNATTRIBUTED, usd: 0.75, unknown: 0 }]);
  });

  it('budget: persisted on the epic with a budget.set event; invalid amounts are usage errors', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false, budget: 5 });
    const r = await setBudget(d, 'e', '12.50');
    expect(r).toMatchObject({ from: 5, to: 12.5, budget: { budget: 12.5, spent: 0 } });
    expect((await d.store.getEpic('e'))?.budget).toBe(12.5);
    const sets = (await d.store.readEpicEvents('e')).filter((e) => e.type === 'budget.set');
    expect(sets.at(-1)).toMatchObject({ from: 5, to: 12.5, sessionId: 'epic:e' });
    const again = await setBudget(d, 'e', 12.5); // unchanged: no new event
    expect(again).toMatchObject({ from: 12.5, to: 12.5 });
    expect((await d.store.readEpicEvents('e')).filter((e) => e.type === 'budget.set')).toHaveLength(sets.length);
    for (const bad of ['-1', 'abc', '', '1e3', 'NaN']) await expect(setBudget(d, 'e', bad)).rejects.toMatchObject({ code: 'usage', exitCode: 2 });
    await expect(setBudget(d, 'nope', '1')).rejects.toMatchObject({ code: 'not_found', exitCode: 2 });
    expect((await d.store.getEpic('e'))?.budget).toBe(12.5);
  });
});
