import { describe, expect, it } from 'vitest';
import { manualClock } from '../adapters/clock.ts';
import { sequentialIds } from '../adapters/ids.ts';
import { MemoryCheckpointStore } from '../adapters/store/memory-store.ts';
import { buildResumeBrief } from './brief/build.ts';
import type { CoreDeps } from './deps.ts';
import { addNote } from './notes.ts';
import { nullSink } from './ports.ts';
import { pauseEpicSession } from './session/commands.ts';
import { startSession } from './session/start.ts';

function deps(): CoreDeps & { clock: ReturnType<typeof manualClock> } {
  return { store: new MemoryCheckpointStore(), workspace: null, clock: manualClock(), ids: sequentialIds(), events: nullSink };
}

describe('notes', () => {
  it('on the live session: a manual checkpoint, the context arrays and a note event; the next session carries them', async () => {
    const d = deps();
    const s = await startSession(d, { epicId: 'e', resume: false });
    d.clock.advance(60_000);
    const r = await addNote(d, 'e', 'tried', '  nock hangs in CI ');
    await addNote(d, 'e', 'decision', 'tokens expire after 15 min');
    await addNote(d, 'e', 'note', 'next: wire the mailer');
    await addNote(d, 'e', 'blocker', 'relay refuses our IP');
    expect(r).toMatchObject({ recordedOn: 'session', sessionId: s.session.id, sessionNumber: 1, entry: { text: 'nock hangs in CI', sessionNumber: 1, at: '2026-01-01T00:01:00.000Z', source: 'note:tried' } });
    const last = await d.store.latestInSession('e', s.session.id);
    expect(last).toMatchObject({ trigger: 'manual', reason: 'note', status: 'running', git: null });
    expect(last?.context.blockers.map((b) => b.text)).toEqual(['nock hangs in CI', 'relay refuses our IP']);
    expect(last?.context.decisions.map((b) => b.text)).toEqual(['tokens expire after 15 min']);
    expect(last?.context.notes.map((b) => b.text)).toEqual(['next: wire the mailer']);
    const events = (await d.store.readEvents('e', s.session.id)).filter((e) => e.type === 'note');
    expect(events.map((e) => [e.kind, e.text])).toEqual([
      ['tried', 'nock hangs in CI'],
      ['decision', 'tokens expire after 15 min'],
      ['note', 'next: wire the mailer'],
      ['blocker', 'relay refuses our IP'],
    ]);
    await pauseEpicSession(d, 'e', 'eod');
    const next = await startSession(d, { epicId: 'e', resume: true });
    expect(next.context.blockers.map((b) => b.text)).toEqual(['nock hangs in CI', 'relay refuses our IP']);
    expect(next.resumeBrief).toContain('[tried] nock hangs in CI _(session 1, 2026-01-01 00:01Z)_');
  });

  it('with no live session: on the epic record, and the brief reads it', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false });
    await pauseEpicSession(d, 'e', 'eod');
    d.clock.advance(120_000);
    const r = await addNote(d, 'e', 'blocker', 'CI runner is out of disk');
    expect(r).toMatchObject({ recordedOn: 'epic', sessionId: null, checkpointId: null, entry: { sessionNumber: 1, source: 'epic-note:blocker' } });
    const epicEvents = await d.store.readEpicEvents('e');
    expect(epicEvents.filter((e) => e.type === 'note')).toEqual([expect.objectContaining({ kind: 'blocker', text: 'CI runner is out of disk', afterSession: 1, sessionId: 'epic:e' })]);
    const { markdown } = await buildResumeBrief(d, null, 'e');
    expect(markdown).toContain('# Resume brief: e — session 2\n');
    expect(markdown).toContain('- [blocker] CI runner is out of disk _(noted after session 1, 2026-01-01 00:02Z)_');
  });

  it('a session another process is writing gets its note on the epic record instead', async () => {
    const d = deps();
    const s = await startSession(d, { epicId: 'e', resume: false });
    const r = await addNote(d, 'e', 'decision', 'use argon2', { sessionBusy: (id) => id === s.session.id });
    expect(r.recordedOn).toBe('epic');
    expect((await d.store.latestInSession('e', s.session.id))?.trigger).toBe('session_start');
    expect((await buildResumeBrief(d, null, 'e')).markdown).toContain('## Decisions\n- use argon2 _(noted after session 1,');
  });

  it('empty text, an unknown kind or an unknown epic are usage errors and write nothing', async () => {
    const d = deps();
    await startSession(d, { epicId: 'e', resume: false });
    const before = await d.store.listCheckpoints('e');
    await expect(addNote(d, 'e', 'note', '   \n')).rejects.toMatchObject({ code: 'usage', exitCode: 2 });
    await expect(addNote(d, 'e', 'idea', 'x')).rejects.toThrow(/unknown note kind "idea": use one of note, decision, tried, blocker/);
    await expect(addNote(d, 'e', 'idea', 'x')).rejects.toMatchObject({ code: 'usage', exitCode: 2 });
    await expect(addNote(d, 'nope', 'note', 'x')).rejects.toMatchObject({ code: 'not_found', exitCode: 2 });
    await expect(addNote(d, '../x', 'note', 'x')).rejects.toMatchObject({ code: 'invalid_id', exitCode: 2 });
    expect(await d.store.listCheckpoints('e')).toEqual(before);
    expect((await d.store.readEpicEvents('e')).filter((e) => e.type === 'note')).toEqual([]);
  });
});
