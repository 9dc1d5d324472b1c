import { describe, expect, it } from 'vitest';
import { orch } from '../support/cli.ts';
import { g, gitRepo } from '../support/repo.ts';

const refs = (dir: string): string => g(dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/orchestration');

describe('orch note (real git)', () => {
  it('records on the running session with a manual checkpoint and no snapshot', () => {
    const dir = gitRepo();
    expect(orch(dir, ['session', 'start', '--epic', 'e']).code).toBe(0);
    const r = orch(dir, ['note', '--epic', 'e', '--kind', 'blocker', '--json', 'the', 'relay', 'refuses', 'our', 'IP']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as { recordedOn: string; checkpointId: string; entry: { text: string; sessionNumber: number } };
    expect(out).toMatchObject({ recordedOn: 'session', entry: { text: 'the relay refuses our IP', sessionNumber: 1 } });
    const shown = (orch(dir, ['checkpoint', 'show', out.checkpointId, '--json']).json() as { checkpoint: { trigger: string; reason: string; git: unknown; context: { blockers: { text: string }[] } } }).checkpoint;
    expect(shown).toMatchObject({ trigger: 'manual', reason: 'note', git: null });
    expect(shown.context.blockers.map((b) => b.text)).toEqual(['the relay refuses our IP']);
  });

  it('empty text, an unknown kind, a missing epic: exit 2 and nothing written', () => {
    const dir = gitRepo();
    expect(orch(dir, ['session', 'start', '--epic', 'e']).code).toBe(0);
    const before = refs(dir);
    for (const args of [
      ['note', '--epic', 'e', '--kind', 'note', '   '],
      ['note', '--epic', 'e', '--kind', 'note'],
      ['note', '--epic', 'e', '--kind', 'idea', 'x'],
      ['note', '--epic', 'e', 'no kind'],
      ['note', '--epic', 'missing', '--kind', 'note', 'x'],
      ['note', '--epic', '-x', '--kind', 'note', 'x'],
    ]) {
      const r = orch(dir, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    }
    expect(refs(dir)).toBe(before);
  });
});
