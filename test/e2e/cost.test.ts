import { describe, expect, it } from 'vitest';
import { openGitDeps } from '../../src/adapters/open.ts';
import { writeCheckpoint } from '../../src/core/session/checkpoint.ts';
import { pauseEpicSession } from '../../src/core/session/commands.ts';
import { chargeCost } from '../../src/core/session/context.ts';
import { startSession } from '../../src/core/session/start.ts';
import { orch } from '../support/cli.ts';
import { gitRepo } from '../support/repo.ts';

/** Two sessions with measured costs and one charge the price table could not price. */
async function epicWithCosts(dir: string): Promise<void> {
  const { deps } = await openGitDeps(dir);
  const a = await startSession(deps, { epicId: 'auth', resume: false, budget: 5 });
  await writeCheckpoint(deps, a.session, chargeCost(a.context, 1.25), {
    trigger: 'agent_result',
    reason: 'agent result',
    snapshot: false,
    events: [{ type: 'cost.charged', amount: 1.25, source: 'claude-code', models: { 'claude-sonnet-4-5': 1.0, 'claude-haiku-4-5': 0.25 } }],
  });
  await pauseEpicSession(deps, 'auth', 'End of day');
  const b = await startSession(deps, { epicId: 'auth', resume: true });
  const ctx = chargeCost(b.context, 0.5);
  await writeCheckpoint(deps, b.session, { ...ctx, unpricedCalls: 1 }, {
    trigger: 'agent_result',
    reason: 'agent result',
    snapshot: false,
    events: [
      { type: 'cost.charged', amount: 0.5, source: 'claude-code', models: { 'claude-sonnet-4-5': 0.5 } },
      { type: 'cost.charged', amount: null, source: 'command', models: { 'local-llm': null } },
    ],
  });
}

describe('orch cost (real git)', () => {
  it('status, report per session and per model (unknown stays unknown), and budget', async () => {
    const dir = gitRepo();
    await epicWithCosts(dir);

    const status = orch(dir, ['cost', 'status', '--epic', 'auth']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('epic auth: spent $1.75 of $5.00 (35 %), $3.25 left; plus 1 unpriced charge(s) or call(s) of unknown cost, not counted');
    expect(status.stdout).toMatch(/#1\s+ses_\S+\s+paused\s+\$1\.25\n#2\s+ses_\S+\s+running\s+\$0\.50 \+ unknown \(1 unpriced\)/);
    const sj = orch(dir, ['cost', 'status', '--epic', 'auth', '--json']).json();
    expect(sj).toMatchObject({ spent: 1.75, budget: 5, remaining: 3.25, unknown: 1 });

    const text = orch(dir, ['cost', 'report', '--epic', 'auth']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/By model\nMODEL\s+COST\nclaude-sonnet-4-5\s+\$1\.50\nclaude-haiku-4-5\s+\$0\.25\nlocal-llm\s+unknown \(1 unpriced\)/);
    expect(text.stdout).not.toMatch(/local-llm\s+\$0\.00/);
    const report = orch(dir, ['cost', 'report', '--epic', 'auth', '--format', 'json']).json() as { sessions: { sessionNumber: number; costUsd: number; models: Record<string, { usd: number; unknown: number }> }[]; models: { model: string; usd: number; unknown: number }[] };
    expect(report.sessions.map((s) => [s.sessionNumber, s.costUsd])).toEqual([[1, 1.25], [2, 0.5]]);
    expect(report.sessions[1]?.models).toEqual({ 'claude-sonnet-4-5': { usd: 0.5, unknown: 0 }, 'local-llm': { usd: 0, unknown: 1 } });
    expect(report.models).toEqual([
      { model: 'claude-sonnet-4-5', usd: 1.5, unknown: 0 },
      { model: 'claude-haiku-4-5', usd: 0.25, unknown: 0 },
      { model: 'local-llm', usd: 0, unknown: 1 },
    ]);

    const set = orch(dir, ['cost', 'budget', '20', '--epic', 'auth']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('budget $5.00 → $20.00; spent $1.75 of $20.00');
    expect(orch(dir, ['cost', 'status', '--epic', 'auth', '--json']).json()).toMatchObject({ budget: 20, remaining: 18.25 });
    expect(orch(dir, ['session', 'status', '--epic', 'auth']).stdout).toContain('of $20.00');
    const { store } = await openGitDeps(dir);
    expect((await store.readEpicEvents('auth')).filter((e) => e.type === 'budget.set').at(-1)).toMatchObject({ from: 5, to: 20 });

    for (const args of [['cost', 'budget', 'abc', '--epic', 'auth'], ['cost', 'budget', '--epic', 'auth', '--', '-3'], ['cost', 'budget', '--epic', 'auth'], ['cost', 'budget', '3', '--epic', 'nope'], ['cost', 'report', '--epic', 'auth', '--format', 'xml'], ['cost', 'status', '--epic', 'nope']]) {
      const r = orch(dir, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    expect((await store.getEpic('auth'))?.budget).toBe(20);
  });
});
