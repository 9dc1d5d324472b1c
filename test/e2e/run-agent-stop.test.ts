import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveGroupMembers } from '../support/claude-double.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { gitRepo, tempDir } from '../support/repo.ts';

/**
 * A stand-in for `claude -p --output-format stream-json`: answers --version, prints an init line and
 * (with STUB_TOKENS) one assistant message with that many input tokens, then keeps running. Every
 * SIGINT/SIGTERM it gets is written to STUB_SIGNAL_FILE with the time; it exits on neither, so the
 * file shows the whole sequence orch sends before SIGKILL.
 */
function stubClaude(): string {
  const file = path.join(tempDir('orch-stub-claude-'), 'claude');
  writeFileSync(
    file,
    `#!/usr/bin/env node
const fs = require('node:fs');
if (process.argv.includes('--version')) { console.log('2.1.197 (Claude Code)'); process.exit(0); }
const out = process.env.STUB_SIGNAL_FILE;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => fs.appendFileSync(out, sig + ' ' + Date.now() + '\\n'));
const i = process.argv.indexOf('--session-id');
const sid = i > 0 ? process.argv[i + 1] : 'resumed';
const model = 'claude-sonnet-4-5-20250929';
console.log(JSON.stringify({ type: 'system', subtype: 'init', session_id: sid, model, tools: [] }));
if (process.env.STUB_TOKENS) {
  const usage = { input_tokens: Number(process.env.STUB_TOKENS), output_tokens: 0 };
  console.log(JSON.stringify({ type: 'assistant', session_id: sid, message: { id: 'msg_stub_1', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'working' }], usage } }));
}
fs.appendFileSync(out, 'ready ' + Date.now() + '\\n');
setInterval(() => {}, 1000);
`,
  );
  chmodSync(file, 0o755);
  return file;
}

function signalsIn(file: string): { sig: string; at: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ sig: l.split(' ')[0]!, at: Number(l.split(' ')[1]) }));
}

async function until(what: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  expect(what()).toBe(true);
}

const agentPid = (dir: string): number => (JSON.parse(readFileSync(path.join(dir, '.git', 'orch', 'runs', 'e.json'), 'utf8')) as { agentPid: number | null }).agentPid ?? 0;

describe('orch run stops its agent with SIGINT, then SIGTERM, then SIGKILL to the process group', () => {
  it('at 100 % of the budget (running estimate from streamed usage)', async () => {
    const dir = gitRepo();
    const signals = path.join(tempDir(), 'signals.txt');
    // 100 000 input tokens at $3 / M = $0.30: over the $0.10 budget with the first message.
    const env = { PATH: process.env.PATH, HOME: tempDir(), ORCH_CLAUDE_BIN: stubClaude(), STUB_SIGNAL_FILE: signals, STUB_TOKENS: '100000', ORCH_AGENT_STOP_GRACE_MS: '1000' };
    const r = await orchAsync(dir, ['run', '--epic', 'e', '--budget', '0.1', '--max-sessions', '1', '--no-gates', '--json', 'Spend it'], env);
    expect(r.code, r.stderr).toBe(1);
    const got = signalsIn(signals);
    expect(got.map((s) => s.sig)).toEqual(['ready', 'SIGINT', 'SIGTERM']);
    // The grace between them is the configured one (ORCH_AGENT_STOP_GRACE_MS), not the default.
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(950);
    const agentEvents = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; pid?: number | null });
    const pid = agentEvents.find((e) => e.type === 'run.agent' && e.pid)?.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
    expect(liveGroupMembers(pid)).toEqual([]); // SIGKILL ended it: nothing of the group is left
    const status = orch(dir, ['session', 'status', '--epic', 'e', '--json'], env).json() as { sessions: { status: string }[] };
    expect(status.sessions.map((s) => s.status)).toEqual(['budget_exceeded']);
  });

  it('when the user stops the run (orch session stop), with the default grace (500 ms)', async () => {
    const dir = gitRepo();
    const signals = path.join(tempDir(), 'signals.txt');
    const env = { PATH: process.env.PATH, HOME: tempDir(), ORCH_CLAUDE_BIN: stubClaude(), STUB_SIGNAL_FILE: signals };
    const running = orchAsync(dir, ['run', '--epic', 'e', '--max-sessions', '1', '--no-gates', 'Long job'], env);
    await until(() => signalsIn(signals).some((s) => s.sig === 'ready'));
    await until(() => {
      try {
        return agentPid(dir) > 0;
      } catch {
        return false;
      }
    });
    const pid = agentPid(dir);
    const stop = orch(dir, ['session', 'stop', '--epic', 'e'], env);
    expect(stop.code, stop.stderr).toBe(0);
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    const got = signalsIn(signals);
    expect(got.map((s) => s.sig)).toEqual(['ready', 'SIGINT', 'SIGTERM']);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(450);
    expect(liveGroupMembers(pid)).toEqual([]);
    const status = orch(dir, ['session', 'status', '--epic', 'e', '--json'], env).json() as { sessions: { status: string }[] };
    expect(status.sessions.map((s) => s.status)).toEqual(['paused']);
  });
});
