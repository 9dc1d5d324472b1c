import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_STOP_SIGNALS, StopSignals, groupAlive, run } from './run.ts';

/**
 * A stand-in for an agent: a node process (its own process group under run()) that records each
 * SIGINT/SIGTERM it gets in a file and keeps running, unless told to exit on SIGINT.
 */
function signalRecordingAgent(o: { exitOnInt?: boolean } = {}): { file: string; script: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-stop-'));
  const file = path.join(dir, 'signals.txt');
  const script = path.join(dir, 'agent.mjs');
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';
const file = ${JSON.stringify(file)};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {
  appendFileSync(file, sig + '\\n');
  if (${o.exitOnInt === true} && sig === 'SIGINT') process.exit(130);
});
appendFileSync(file, 'ready\\n');
console.log('ready');
setInterval(() => {}, 1000);
`,
  );
  return { file, script };
}

const received = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l && l !== 'ready');

async function runUntilReady(script: string, signal: AbortSignal, extra: { killGraceMs?: number; timeoutMs?: number } = {}) {
  let pid = 0;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const result = run(process.execPath, [script], { cwd: tmpdir(), signal, onSpawn: (p) => (pid = p), onStdoutLine: (l) => l === 'ready' && ready(), ...extra });
  await isReady;
  return { result, pid: () => pid };
}

describe('run(): how a process group is stopped', () => {
  it('an abort with StopSignals (how orch stops an agent) sends SIGINT, then SIGTERM, then SIGKILL, a grace apart', async () => {
    const { file, script } = signalRecordingAgent();
    const ac = new AbortController();
    const { result, pid } = await runUntilReady(script, ac.signal);
    const t0 = Date.now();
    ac.abort(new StopSignals(AGENT_STOP_SIGNALS, 300, 'budget spent'));
    const r = await result;
    expect(received(file)).toEqual(['SIGINT', 'SIGTERM']);
    expect(r.signal).toBe('SIGKILL'); // it ignored both: only SIGKILL ended it
    expect(r.aborted).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550); // two graces of 300 ms (timer slack allowed)
    expect(groupAlive(pid())).toBe(false);
  });

  it('the abort reason passes through AbortSignal.any (as the agent adapters combine signals)', async () => {
    const { file, script } = signalRecordingAgent();
    const ac = new AbortController();
    const { result } = await runUntilReady(script, AbortSignal.any([ac.signal, new AbortController().signal]));
    ac.abort(new StopSignals(AGENT_STOP_SIGNALS, 200));
    await result;
    expect(received(file)).toEqual(['SIGINT', 'SIGTERM']);
  });

  it('an agent that ends on SIGINT gets nothing more', async () => {
    const { file, script } = signalRecordingAgent({ exitOnInt: true });
    const ac = new AbortController();
    const { result } = await runUntilReady(script, ac.signal);
    ac.abort(new StopSignals(AGENT_STOP_SIGNALS, 2000));
    const t0 = Date.now();
    const r = await result;
    expect(received(file)).toEqual(['SIGINT']);
    expect(r.exitCode).toBe(130);
    expect(Date.now() - t0).toBeLessThan(1500); // no waiting out the grace
  });

  it('a plain abort or a timeout stays quick: SIGTERM, then SIGKILL', async () => {
    const a = signalRecordingAgent();
    const ac = new AbortController();
    const aborted = await runUntilReady(a.script, ac.signal, { killGraceMs: 200 });
    ac.abort();
    expect((await aborted.result).signal).toBe('SIGKILL');
    expect(received(a.file)).toEqual(['SIGTERM']);

    const b = signalRecordingAgent();
    const timed = await runUntilReady(b.script, new AbortController().signal, { killGraceMs: 200, timeoutMs: 3000 });
    const r = await timed.result;
    expect(r.timedOut).toBe(true);
    expect(received(b.file)).toEqual(['SIGTERM']);
  });
});
