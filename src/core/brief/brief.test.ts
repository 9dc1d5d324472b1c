import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../adapters/clock.ts';
import { sequentialIds } from '../../adapters/ids.ts';
import { MemoryCheckpointStore } from '../../adapters/store/memory-store.ts';
import type { CoreDeps } from '../deps.ts';
import { addNote } from '../notes.ts';
import { nullSink } from '../ports.ts';
import { writeCheckpoint, type EventInput } from '../session/checkpoint.ts';
import { completeEpicSession } from '../session/commands.ts';
import { startSession } from '../session/start.ts';
import type { Session } from '../session/types.ts';
import type { OrchestrationContext } from '../../schema/context.ts';
import type { TrackerIssue, Tracker } from '../tracker/types.ts';
import { buildResumeBrief } from './build.ts';
import { capBytes, renderBrief } from './render.ts';
import type { GitHistoryFacts, GitHistorySource } from './types.ts';

const MIN = 60_000;

function deps(): CoreDeps & { clock: ReturnType<typeof manualClock> } {
  return { store: new MemoryCheckpointStore(), workspace: null, clock: manualClock(), ids: sequentialIds(), events: nullSink };
}

async function record(d: ReturnType<typeof deps>, s: { session: Session; context: OrchestrationContext }, events: EventInput[]): Promise<void> {
  d.clock.advance(MIN);
  const c = await writeCheckpoint(d, s.session, s.context, { trigger: 'manual', reason: 'test', events });
  s.context = c.context;
}

const gate = (phase: string, results: { name: string; status: string; failedTests?: string[] }[]): EventInput => ({
  type: 'gate.run',
  phase,
  ok: results.every((r) => r.status === 'pass'),
  results: results.map((r) => ({ mode: 'required', failedTests: [], ...r })),
  regressions: [],
});

/** A git port that returns fixed facts (the real adapter is exercised by the e2e tests). */
const fixedHistory = (facts: Partial<GitHistoryFacts>): GitHistorySource & { calls: [string | null, string | null][] } => {
  const calls: [string | null, string | null][] = [];
  return {
    calls,
    history: (from, to) => {
      calls.push([from, to]);
      return Promise.resolve({ from, to, commits: [], total: 0, reverts: [], files: [], insertions: 0, deletions: 0, error: null, ...facts });
    },
  };
};

/** Two sessions with every kind of failure recorded, a minute apart, in a known order. */
async function troubledEpic(): Promise<ReturnType<typeof deps>> {
  const d = deps();
  d.workspace = { snapshot: () => Promise.resolve({ head: 'a'.repeat(40), branch: 'main', snapshotTree: null, excluded: [], changed: [] }) };
  const s1 = await startSession(d, { epicId: 'auth', resume: false, budget: 5, goal: 'magic links', task: 'send the link by mail' }); // 00:00
  await record(d, s1, [gate('baseline', [{ name: 'test', status: 'fail', failedTests: ['old > flaky'] }, { name: 'lint', status: 'pass' }])]); // 00:01
  await record(d, s1, [{ type: 'agent.tool_error', tool: 'Bash', command: 'npm test', error: 'exit 1' }]); // 00:02
  await record(d, s1, [{ type: 'agent.tool_error', tool: 'Bash', command: 'npm test', error: 'exit 1: smtp timeout' }, { type: 'agent.tool_error', tool: 'Bash', command: 'ls /nope', error: 'no such dir' }]); // 00:03
  await record(d, s1, [gate('final', [{ name: 'test', status: 'fail', failedTests: ['old > flaky', 'mail > sends link'] }, { name: 'lint', status: 'fail' }])]); // 00:04
  await record(d, s1, [{ type: 'agent.result', ok: true, subtype: 'success', errors: [], permissionDenials: [{ toolName: 'Bash', input: { command: 'rm -rf /tmp/x' } }], failure: null }]); // 00:05
  d.clock.advance(MIN);
  await addNote(d, 'auth', 'tried', 'mocking SMTP with nock hangs'); // 00:06
  d.clock.advance(MIN);
  await completeEpicSession(d, 'auth', 'partial'); // 00:07 (the note moved the session: complete by epic id)
  d.clock.advance(MIN);
  const s2 = await startSession(d, { epicId: 'auth', resume: true }); // 00:08
  await record(d, s2, [{ type: 'agent.result', ok: false, subtype: 'error_during_execution', errors: ['stream closed'], permissionDenials: [], failure: 'stalled' }]); // 00:09
  await record(d, s2, [{ type: 'budget.exceeded', spent: 5.2, budget: 5 }]); // 00:10
  d.clock.advance(MIN);
  await addNote(d, 'auth', 'blocker', 'the staging SMTP relay refuses our IP'); // 00:11
  return d;
}

const revertAt = '2026-01-01T00:08:30+00:00'; // during session 2, written with an offset as git prints it

describe('resume brief: what did not work', () => {
  it('lists every source with its session and time, newest first', async () => {
    const d = await troubledEpic();
    const history = fixedHistory({
      total: 1,
      reverts: [{ sha: 'abcdef1234567890', at: new Date(revertAt).toISOString(), subject: 'Revert "use nock for SMTP"', reverts: '1234567890ab', isRevert: true }],
    });
    const { facts, markdown } = await buildResumeBrief(d, history, 'auth');
    const section = (markdown.split("## What didn't work\n")[1] ?? '').split('\n\n')[0]?.split('\n');
    const expected: [RegExp, string][] = [
      [/\[blocker\] the staging SMTP relay refuses our IP _\(session 2, 2026-01-01 00:11Z\)_/, 'blocker note'],
      [/\[budget\] budget stop: spent \$5\.20 of \$5\.00 _\(session 2, 2026-01-01 00:10Z\)_/, 'budget stop'],
      [/\[timeout\] agent stalled .*stream closed _\(session 2, 2026-01-01 00:09Z\)_/, 'stall'],
      [/\[revert\] reverted: abcdef1234 "Revert "use nock for SMTP"" \(undoes 1234567890\) _\(session 2, 2026-01-01 00:08Z\)_/, 'revert'],
      [/\[tried\] mocking SMTP with nock hangs _\(session 1, 2026-01-01 00:06Z\)_/, 'tried note'],
      [/\[permission\] permission denied: Bash\(rm -rf \/tmp\/x\) _\(session 1, 2026-01-01 00:05Z\)_/, 'permission denial'],
      [/\[gate\] gate run \(final\) failed: test fail \(failing tests: old > flaky, mail > sends link\) — already failing before this session \(predates it\); lint fail _\(session 1, 2026-01-01 00:04Z\)_/, 'gate'],
      [/\[repeated command\] `npm test` failed 2 times \(session 1\); last error: exit 1: smtp timeout _\(session 1, 2026-01-01 00:03Z\)_/, 'repeated command'],
    ];
    expect(section).toHaveLength(expected.length);
    for (const [i, [re, what]] of expected.entries()) expect(section?.[i], what).toMatch(re);
    // A command that failed once is noise, not a lesson.
    expect(markdown).not.toContain('ls /nope');
    expect(facts.didntWork.map((x) => x.at)).toEqual([...facts.didntWork.map((x) => x.at)].sort().reverse());
    // From the HEAD the first checkpoint recorded to the current HEAD (null).
    expect(history.calls).toEqual([['a'.repeat(40), null]]);
  });

  it('says gate status against the baseline, and marks failures that predate the session', async () => {
    const d = await troubledEpic();
    const { facts, markdown } = await buildResumeBrief(d, null, 'auth');
    expect(facts.gates?.latest).toMatchObject({ phase: 'final', sessionNumber: 1, ok: false });
    expect(facts.gates?.gates.find((g) => g.name === 'test')).toMatchObject({ change: 'still_failing', predates: true });
    expect(facts.gates?.gates.find((g) => g.name === 'lint')).toMatchObject({ change: 'regressed', predates: false });
    expect(markdown).toContain('- test: fail (baseline: fail) (already failing at the baseline: predates the session) — failing: old > flaky, mail > sends link');
    expect(markdown).toContain('- lint: fail (baseline: pass) (regressed since the baseline)');
  });

  it('header: goal, task, the session it is for, budget, last checkpoint; next steps from the task', async () => {
    const d = await troubledEpic();
    const { facts, markdown } = await buildResumeBrief(d, null, 'auth');
    expect(facts.sessionNumber).toBe(2);
    expect(facts.sessionIsLive).toBe(true);
    expect(markdown).toMatch(/^# Resume brief: auth — session 2 \(running\)\n\*\*Goal:\*\* magic links\n\*\*Task:\*\* send the link by mail\nBudget: \$0\.00 spent of \$5\.00, \$5\.00 remaining\.\nLast checkpoint: ckpt-\S+ at 2026-01-01 00:11Z \(manual: note\); session 2 is running\./);
    expect(markdown).toContain('## Next steps\n- Continue the task: send the link by mail');
  });

  it('unpriced charges are said as unknown, never folded into the spend as 0', async () => {
    const d = deps();
    const s = await startSession(d, { epicId: 'e', resume: false, budget: 2 });
    await record(d, s, [{ type: 'cost.charged', amount: null, source: 'command', models: {} }]);
    await record(d, s, [{ type: 'cost.charged', amount: 0.1, source: 'transcript', models: {}, unpricedCalls: 2 }]);
    const { facts, markdown } = await buildResumeBrief(d, null, 'e');
    expect(facts.unknownCharges).toBe(3);
    expect(markdown).toContain('Budget: $0.00 plus 3 charge(s) of unknown cost spent of $2.00');
  });

  it('next steps come from the newest notes; decisions and older notes follow', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false, task: 'the task' });
    for (const [i, kind] of (['note', 'decision', 'note', 'note', 'note'] as const).entries()) {
      d.clock.advance(MIN);
      await addNote(d, 'e', kind, `${kind} ${i}`);
    }
    const { markdown } = await buildResumeBrief(d, null, 'e');
    expect(markdown).toContain('## Next steps\n- note 4\n- note 3\n- note 2\n\n');
    expect(markdown).toMatch(/## Decisions\n- decision 1 _\(session 1, 2026-01-01 00:02Z\)_/);
    expect(markdown).toMatch(/## Notes\n- note 0 _\(session 1, 2026-01-01 00:01Z\)_\n?$/);
  });

  it('commits since the epic began, the diffstat and issues from a tracker', async () => {
    const d = deps();
    const snap = { head: 'a'.repeat(40), branch: 'main', snapshotTree: null, excluded: [], changed: ['src/wip.ts'] };
    d.workspace = { snapshot: () => Promise.resolve(structuredClone(snap)) };
    const s = await startSession(d, { epicId: 'e', resume: false });
    snap.head = 'b'.repeat(40);
    await record(d, s, []);
    const history = fixedHistory({
      total: 2,
      commits: [
        { sha: 'c'.repeat(40), at: '2026-01-01T00:05:00.000Z', subject: 'add mailer', reverts: null, isRevert: false },
        { sha: 'd'.repeat(40), at: '2026-01-01T00:04:00.000Z', subject: 'add token table', reverts: null, isRevert: false },
      ],
      files: [{ path: 'src/mail.ts', insertions: 40, deletions: 2 }, { path: 'logo.png', insertions: null, deletions: null }],
      insertions: 40,
      deletions: 2,
    });
    const issue = (id: string, status: string, deps: { id: string; type: string }[] = []): TrackerIssue => ({
      id, title: `issue ${id}`, description: '', acceptance: '', notes: '', status, priority: 2, type: 'task', assignee: null, labels: [], dependencies: deps,
      parent: 'epic-1', createdAt: null, updatedAt: null, closedAt: null, closeReason: null, ephemeral: false, deferUntil: null, metadata: {},
    });
    const listed: unknown[] = [];
    const tracker = { kind: 'task-file', list: (q: unknown) => (listed.push(q), Promise.resolve([issue('t1', 'closed'), issue('t2', 'in_progress'), issue('t3', 'open', [{ id: 't2', type: 'blocks' }]), issue('t4', 'blocked')])) } as unknown as Tracker;
    const { markdown } = await buildResumeBrief(d, history, 'e', { tracker, trackerParent: 'epic-1', until: 'checkpoint' });
    expect(history.calls).toEqual([['a'.repeat(40), 'b'.repeat(40)]]);
    expect(listed).toEqual([{ parent: 'epic-1' }]);
    expect(markdown).toContain(`## Commits since the epic began (2, ${'a'.repeat(12)}..${'b'.repeat(12)})\n- cccccccccc add mailer _(2026-01-01 00:05Z)_\n- dddddddddd add token table`);
    expect(markdown).toContain('Diffstat: 2 file(s) changed, 40 insertion(s)(+), 2 deletion(s)(-)\n- src/mail.ts +40 -2\n- logo.png (binary)');
    expect(markdown).toContain('## Uncommitted work at the last checkpoint\n- src/wip.ts');
    expect(markdown).toContain('## Issues\nIn progress (1)\n- t2 issue t2\nBlocked (2)\n- t3 issue t3\n- t4 issue t4\nDone (1)\n- t1 issue t1');
  });

  it('an unknown epic is a usage error', async () => {
    await expect(buildResumeBrief(deps(), null, 'nope')).rejects.toMatchObject({ code: 'not_found', exitCode: 2 });
  });
});

describe('resume brief: size cap', () => {
  it('cuts at a line boundary, most recent entries kept, and says so', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false });
    for (let i = 0; i < 80; i++) {
      d.clock.advance(MIN);
      await addNote(d, 'e', 'tried', `attempt ${String(i).padStart(2, '0')} did not work ${'x'.repeat(40)}`);
    }
    const full = (await buildResumeBrief(d, null, 'e', { maxBytes: 1_000_000 })).markdown;
    const { markdown } = await buildResumeBrief(d, null, 'e', { maxBytes: 1024 });
    expect(Buffer.byteLength(full)).toBeGreaterThan(1024);
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(1024);
    expect(markdown.endsWith('\n… (brief cut at the size limit)\n')).toBe(true);
    const body = markdown.slice(0, markdown.lastIndexOf('… (brief'));
    expect(full.startsWith(body)).toBe(true);
    expect(body.endsWith('\n')).toBe(true);
    expect(markdown).toContain('attempt 79'); // newest first: the newest survive the cut
    expect(markdown).not.toContain('attempt 00');
  });

  it('never exceeds the cap, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constant('\n'), fc.string({ unit: 'binary' })), { maxLength: 60 }), fc.integer({ min: 0, max: 2000 }), (chunks, max) => {
        const text = chunks.join('');
        const out = capBytes(text, max);
        expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
        if (Buffer.byteLength(text) <= max) expect(out).toBe(text);
        else if (out) {
          expect(out.endsWith('… (brief cut at the size limit)\n')).toBe(true);
          expect(text.startsWith(out.slice(0, out.length - '… (brief cut at the size limit)\n'.length))).toBe(true);
        }
      }),
    );
  });

  it('cuts even one byte over the cap (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), fc.integer({ min: 1, max: 8 }), (line, over) => {
        const text = `${line}\n`.repeat(40);
        const max = Math.max(0, Buffer.byteLength(text) - over);
        const out = capBytes(text, max);
        expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
        expect(out).not.toBe(text);
      }),
    );
  });

  it('a rendered brief with arbitrary notes and caps stays under the cap (property)', async () => {
    const d = await troubledEpic();
    const { facts } = await buildResumeBrief(d, null, 'auth');
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 400 }), { maxLength: 40 }), fc.integer({ min: 256, max: 9000 }), (texts, max) => {
        const notes = texts.map((text, i) => ({ at: `2026-01-02T00:${String(i % 60).padStart(2, '0')}:00.000Z`, sessionNumber: 1, text }));
        const out = renderBrief({ ...facts, notes, decisions: notes }, { maxBytes: max });
        expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
        expect(out.startsWith('# Resume brief: auth')).toBe(true);
      }),
    );
  });
});
