import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGitDeps } from '../../src/adapters/open.ts';
import { EVENT } from '../../src/schema/events.ts';
import { orch, ORCH_BIN } from '../support/cli.ts';
import { gitRepo, tempDir } from '../support/repo.ts';

const SID = '11111111-2222-4333-8444-555555555555';
const settingsOf = (dir: string, name = 'settings.json'): Record<string, unknown> => JSON.parse(readFileSync(path.join(dir, '.claude', name), 'utf8')) as Record<string, unknown>;
const logOf = (dir: string): string => readFileSync(path.join(dir, '.git/orch/hooks.log'), 'utf8');

const USER = {
  model: 'sonnet',
  hooks: { Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }], PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './guard.sh' }] }] },
};

describe('orch hooks install / uninstall', () => {
  it("merges into the user's settings, is idempotent, and uninstall gives the user's file back byte for byte", () => {
    const dir = gitRepo();
    const original = `${JSON.stringify(USER, null, 2)}\n`;
    mkdirSync(path.join(dir, '.claude'));
    writeFileSync(path.join(dir, '.claude/settings.json'), original);

    const one = orch(dir, ['hooks', 'install', '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.json()).toMatchObject({ changed: true, scope: 'project' });
    const installed = readFileSync(path.join(dir, '.claude/settings.json'), 'utf8');
    const s = settingsOf(dir) as { model: string; hooks: Record<string, { hooks: { command: string }[] }[]> };
    expect(s.model).toBe('sonnet');
    expect(s.hooks.Stop?.[0]?.hooks[0]?.command).toBe('notify-send done');
    const mine = s.hooks.Stop?.[1]?.hooks[0]?.command ?? '';
    expect(mine).toBe(`${process.execPath} ${ORCH_BIN} hook Stop # orch-hook`);
    expect(Object.keys(s.hooks).sort()).toEqual(['PreCompact', 'PreToolUse', 'SessionEnd', 'SessionStart', 'Stop']);

    expect(orch(dir, ['hooks', 'install', '--json']).json()).toMatchObject({ changed: false });
    expect(readFileSync(path.join(dir, '.claude/settings.json'), 'utf8')).toBe(installed);

    expect(orch(dir, ['hooks', 'uninstall', '--json']).json()).toMatchObject({ changed: true });
    expect(readFileSync(path.join(dir, '.claude/settings.json'), 'utf8')).toBe(original);
    expect(orch(dir, ['hooks', 'uninstall', '--json']).json()).toMatchObject({ changed: false });
  });

  it('--scope local writes settings.local.json only; uninstall of a missing file creates nothing', () => {
    const dir = gitRepo();
    expect(orch(dir, ['hooks', 'uninstall', '--scope', 'local']).code).toBe(0);
    expect(existsSync(path.join(dir, '.claude'))).toBe(false);
    expect(orch(dir, ['hooks', 'install', '--scope', 'local']).code).toBe(0);
    expect(existsSync(path.join(dir, '.claude/settings.json'))).toBe(false);
    expect(Object.keys((settingsOf(dir, 'settings.local.json') as { hooks: object }).hooks)).toHaveLength(5);
    expect(orch(dir, ['hooks', 'install', '--scope', 'team']).code).toBe(2);
  });

  it('refuses a settings file that is not JSON: exit 2, one line, file untouched, no epic bound', () => {
    const dir = gitRepo();
    mkdirSync(path.join(dir, '.claude'));
    const broken = '{ "hooks": { "Stop": [ } // half-edited\n';
    writeFileSync(path.join(dir, '.claude/settings.json'), broken);
    const r = orch(dir, ['hooks', 'install', '--epic', 'auth']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/settings\.json: not valid JSON .*left unchanged/);
    expect(readFileSync(path.join(dir, '.claude/settings.json'), 'utf8')).toBe(broken);
    expect(existsSync(path.join(dir, '.orch/config.yaml'))).toBe(false);
    expect(orch(dir, ['hooks', 'uninstall']).code).toBe(2);
    expect(readFileSync(path.join(dir, '.claude/settings.json'), 'utf8')).toBe(broken);
  });

  it('--epic binds the repository in .orch/config.yaml, keeping the comments and keys already there', () => {
    const dir = gitRepo();
    mkdirSync(path.join(dir, '.orch'));
    writeFileSync(path.join(dir, '.orch/config.yaml'), '# team config\ngates:\n  - test # the fast one\nepic: old\n');
    expect(orch(dir, ['hooks', 'install', '--epic', 'auth']).code).toBe(0);
    expect(readFileSync(path.join(dir, '.orch/config.yaml'), 'utf8')).toBe('# team config\ngates:\n  - test # the fast one\nepic: auth\n');
    expect(orch(dir, ['hooks', 'install', '--epic', '../x']).code).toBe(2);
    const fresh = gitRepo();
    expect(orch(fresh, ['hooks', 'install', '--epic', 'auth']).code).toBe(0);
    expect(readFileSync(path.join(fresh, '.orch/config.yaml'), 'utf8')).toBe('epic: auth\n');
  });
});

/** One assistant line as Claude Code writes it (only the fields the reader needs). */
function assistantLine(messageId: string, requestId: string, input: number, output: number): string {
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: SID,
    version: '2.1.197',
    timestamp: '2026-11-24T10:00:00.000Z',
    requestId,
    message: { id: messageId, model: 'claude-sonnet-4-5-20250929', role: 'assistant', usage: { input_tokens: input, output_tokens: output } },
  })}\n`;
}

const hookInput = (dir: string, transcript: string, event: string, extra: object = {}): string =>
  JSON.stringify({ session_id: SID, transcript_path: transcript, cwd: dir, hook_event_name: event, ...extra });

describe('orch hook <event>', () => {
  it('dedupes across calls through the state file, and SessionStart prints the hook JSON', async () => {
    const dir = gitRepo();
    const transcript = path.join(tempDir(), `${SID}.jsonl`);
    // Latency is measured by bench/hooks, not here: on a loaded machine the 2 s deadline could cut a call short.
    const env = { ORCH_EPIC: 'auth', ORCH_HOOK_DEADLINE_MS: '20000' };
    const start = orch(dir, ['hook', 'SessionStart'], env, hookInput(dir, transcript, 'SessionStart', { source: 'startup' }));
    expect(start.code).toBe(0);
    const out = JSON.parse(start.stdout) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } };
    expect(out.hookSpecificOutput.hookEventName).toBe('SessionStart');
    expect(out.hookSpecificOutput.additionalContext).toContain('session 1 (ses_');

    // A call's first copy (1 output token), then Stop; later a fuller copy (50) of the same call and a new call.
    writeFileSync(transcript, assistantLine('msg_1', 'req_1', 1000, 1));
    const stop = orch(dir, ['hook', 'Stop'], env, hookInput(dir, transcript, 'Stop'));
    expect(stop).toMatchObject({ code: 0, stdout: '' });
    const count = (): number => (orch(dir, ['session', 'list', '--epic', 'auth', '--json']).json() as { checkpoints: unknown[] }).checkpoints.length;
    expect(count()).toBe(2); // session start + the first Stop
    expect(orch(dir, ['hook', 'Stop'], env, hookInput(dir, transcript, 'Stop')).code).toBe(0);
    expect(count()).toBe(2); // throttled: 15 min have not passed
    expect(orch(dir, ['hook', 'PreCompact'], env, hookInput(dir, transcript, 'PreCompact', { trigger: 'manual' })).code).toBe(0);
    const latest = orch(dir, ['session', 'list', '--epic', 'auth', '--limit', '1', '--json']).json() as { checkpoints: { reason: string }[] };
    expect(latest.checkpoints.map((c) => c.reason)).toEqual(['PreCompact (manual)']);
    appendFileSync(transcript, assistantLine('msg_1', 'req_1', 1000, 50) + assistantLine('msg_2', 'req_2', 2000, 70));
    const end = orch(dir, ['hook', 'SessionEnd'], env, hookInput(dir, transcript, 'SessionEnd', { reason: 'exit' }));
    expect(end).toMatchObject({ code: 0, stdout: '' });

    const { store } = await openGitDeps(dir);
    const charged = (await store.readEvents('auth')).filter((e) => e.type === EVENT.costCharged).map((e) => e.amount as number);
    // $3 / $15 per million: 1000 in + 1 out, then +49 out for the fuller copy, then 2000 in + 70 out.
    expect(charged[0]).toBeCloseTo(0.003015, 9);
    expect(charged[1]).toBeCloseTo(49 * 15e-6 + 0.00705, 9);
    const status = orch(dir, ['session', 'status', '--epic', 'auth', '--json']).json() as { budget: { spent: number } };
    expect(status.budget.spent).toBeCloseTo((3000 * 3 + 120 * 15) / 1e6, 9);
    expect(JSON.parse(readFileSync(path.join(dir, '.git/orch/hooks', `${SID}.json`), 'utf8'))).toMatchObject({ epicId: 'auth', offsets: { [transcript]: readFileSync(transcript).length } });

    const pre = orch(dir, ['hook', 'PreToolUse'], env, hookInput(dir, transcript, 'PreToolUse', { tool_name: 'Bash', tool_input: {} }));
    expect(pre).toMatchObject({ code: 0, stdout: '' }); // no budget: no opinion, Claude Code's rules decide
    expect(logOf(dir)).not.toMatch(/ error /);
  });

  it('skips a malformed transcript line between two valid calls, charges both, and says how many it skipped', async () => {
    const dir = gitRepo();
    const transcript = path.join(tempDir(), `${SID}.jsonl`);
    const env = { ORCH_EPIC: 'auth', ORCH_HOOK_DEADLINE_MS: '20000' };
    expect(orch(dir, ['hook', 'SessionStart'], env, hookInput(dir, transcript, 'SessionStart', { source: 'startup' })).code).toBe(0);
    // A usage line cut short (a crash mid-write), then a later, complete line.
    const garbage = '{"type":"assistant","message":{"id":"msg_x","usage":{"input_tokens":12\n';
    writeFileSync(transcript, assistantLine('msg_1', 'req_1', 1000, 10) + garbage + assistantLine('msg_2', 'req_2', 2000, 20));
    expect(orch(dir, ['hook', 'PreCompact'], env, hookInput(dir, transcript, 'PreCompact', { trigger: 'auto' }))).toMatchObject({ code: 0, stdout: '' });

    const { store } = await openGitDeps(dir);
    const charged = (await store.readEvents('auth')).filter((e) => e.type === EVENT.costCharged);
    expect(charged).toHaveLength(1);
    expect(charged[0]?.amount as number).toBeCloseTo((3000 * 3 + 30 * 15) / 1e6, 9); // both valid calls
    expect(charged[0]?.malformedLines).toBe(1);
    expect(logOf(dir)).toMatch(/info PreCompact PreCompact: checkpoint \S+ of auth, charged \$[\d.]+ for 2 call\(s\); skipped 1 malformed transcript line\(s\)/);
    expect(logOf(dir)).not.toMatch(/ error /);

    // Counted once: the offsets moved past it, so the next checkpoint neither recounts nor recharges.
    appendFileSync(transcript, assistantLine('msg_3', 'req_3', 100, 1));
    expect(orch(dir, ['hook', 'SessionEnd'], env, hookInput(dir, transcript, 'SessionEnd', { reason: 'exit' })).code).toBe(0);
    const after = (await store.readEvents('auth')).filter((e) => e.type === EVENT.costCharged);
    expect(after).toHaveLength(2);
    expect(after[1]?.malformedLines).toBeUndefined();
    expect(logOf(dir).match(/malformed/g)).toHaveLength(1);
  });

  it.each([
    ['garbage', 'Stop', 'not json {'],
    ['empty stdin', 'Stop', ''],
    ['a payload for another event', 'Stop', JSON.stringify({ session_id: SID, transcript_path: '/t', cwd: '/', hook_event_name: 'SessionEnd' })],
    ['an unsafe session id', 'Stop', JSON.stringify({ session_id: '../../x', transcript_path: '/t', cwd: '/', hook_event_name: 'Stop' })],
    ['an unknown event', 'Frobnicate', '{}'],
  ])('%s on stdin: exit 0, no stdout, one error line in the log', (_name, event, input) => {
    const dir = gitRepo();
    const r = orch(dir, ['hook', event], { ORCH_EPIC: 'auth' }, input);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    const lines = logOf(dir).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\S+Z error ${event} `));
  });

  it('an unbound repository is left alone: exit 0, nothing stored', () => {
    const dir = gitRepo();
    const r = orch(dir, ['hook', 'SessionStart'], {}, hookInput(dir, '/nowhere.jsonl', 'SessionStart'));
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(logOf(dir)).toMatch(/no epic bound/);
    expect(orch(dir, ['session', 'list', '--epic', 'auth']).code).toBe(2);
  });

  it('gives up at the deadline with exit 0 and a log line when stdin never ends', async () => {
    const dir = gitRepo();
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, [ORCH_BIN, 'hook', 'Stop'], { cwd: dir, env: { PATH: process.env.PATH, ORCH_HOOK_DEADLINE_MS: '300' }, stdio: ['pipe', 'ignore', 'ignore'] });
      p.stdin.write('{"session_id":'); // and never closed
      p.on('exit', resolve);
    });
    expect(code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(10_000); // gave up rather than waiting for stdin forever
    expect(logOf(dir)).toMatch(/error Stop gave up after 300 ms/);
  });
});
