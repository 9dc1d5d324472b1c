import { describe, expect, it } from 'vitest';
import { manualClock } from '../adapters/clock.ts';
import { DEFAULT_CHECKPOINT_POLICY as P, decideCheckpoint, msUntilInterval, type PolicyState } from './policy.ts';

describe('checkpoint policy', () => {
  it('fires at session start and on error by default, not on issue completion', () => {
    const clock = manualClock();
    const s: PolicyState = { lastCheckpointAt: clock.now(), costThresholdFiredFor: null };
    const cost = { spent: 0, budget: 10 };
    expect(decideCheckpoint(P, s, clock.now(), cost, { kind: 'session_start' })).toMatchObject({ checkpoint: true, trigger: 'session_start' });
    expect(decideCheckpoint(P, s, clock.now(), cost, { kind: 'error', detail: 'boom' })).toMatchObject({ trigger: 'error', reason: 'error: boom' });
    expect(decideCheckpoint(P, s, clock.now(), cost, { kind: 'issue_complete' })).toEqual({ checkpoint: false });
  });

  it('fires on the interval with an injected clock', () => {
    const clock = manualClock();
    const s: PolicyState = { lastCheckpointAt: clock.now(), costThresholdFiredFor: null };
    clock.advance(14 * 60_000 + 59_999);
    expect(decideCheckpoint(P, s, clock.now(), { spent: 0, budget: null }).checkpoint).toBe(false);
    expect(msUntilInterval(P, s, clock.now())).toBe(1);
    clock.advance(1);
    expect(decideCheckpoint(P, s, clock.now(), { spent: 0, budget: null })).toMatchObject({ trigger: 'interval' });
  });

  it('fires the cost threshold once per budget, not on every later call', () => {
    const clock = manualClock();
    const s: PolicyState = { lastCheckpointAt: clock.now(), costThresholdFiredFor: null };
    expect(decideCheckpoint(P, s, clock.now(), { spent: 7.99, budget: 10 }).checkpoint).toBe(false);
    const d = decideCheckpoint(P, s, clock.now(), { spent: 8, budget: 10 });
    expect(d).toMatchObject({ trigger: 'cost_threshold' });
    s.costThresholdFiredFor = 10;
    expect(decideCheckpoint(P, s, clock.now(), { spent: 9, budget: 10 }).checkpoint).toBe(false);
    expect(decideCheckpoint(P, s, clock.now(), { spent: 9.5, budget: 10 }).checkpoint).toBe(false);
    // A raised budget re-arms it.
    expect(decideCheckpoint(P, s, clock.now(), { spent: 16, budget: 20 })).toMatchObject({ trigger: 'cost_threshold' });
  });
});
