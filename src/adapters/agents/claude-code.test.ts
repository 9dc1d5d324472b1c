import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { turn } from '../model-double/scenario.ts';
import { groupGone, liveGroupMembers, listPriceUsd, startClaudeDouble, type ClaudeDoubleRig } from '../../../test/support/claude-double.ts';
import { createClaudeCodeAdapter } from './claude-code.ts';
import { isOrchError } from '../../core/errors.ts';

// The real Claude Code binary (node_modules, pinned) against the model double on loopback.
let rig: ClaudeDoubleRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('claude-code adapter (real CLI)', () => {
  it('a Write tool call creates the file, a text turn ends the run, cost is the CLI list-price figure', async () => {
    rig = await startClaudeDouble({
      turns: [turn.write('hello.txt', 'hi there\n', { input: 1000, output: 50 }), turn.text('All done.', { input: 1200, output: 7 })],
    });
    const { outcome, events } = await rig.launch('Write hello.txt', { allowedTools: ['Write'], appendSystemPrompt: 'ORCH-BRIEF-MARKER' });

    expect(readFileSync(join(rig.cwd, 'hello.txt'), 'utf8')).toBe('hi there\n');
    expect(outcome).toMatchObject({ ok: true, subtype: 'success', failure: null, numTurns: 2, resultText: 'All done.', exitCode: 0 });
    expect(outcome.costUsd).toBeCloseTo(listPriceUsd(2200, 57), 12);
    expect(outcome.cumulativeCostUsd).toBe(outcome.costUsd);
    expect(outcome.modelUsage['claude-sonnet-4-5-20250929']).toMatchObject({ inputTokens: 2200, outputTokens: 57 });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('init');
    // Each assistant message also reports its interim usage (for orch's running estimate).
    expect(types.slice(1)).toEqual(['tool_use', 'usage', 'tool_result', 'text', 'usage', 'result']);
    expect(events.filter((e) => e.type === 'usage').map((e) => e.type === 'usage' && e.model)).toEqual(['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929']);
    expect(events[1]).toMatchObject({ type: 'tool_use', name: 'Write', input: { file_path: 'hello.txt' } });
    // The prompt went in on stdin and the appended system prompt reached the model.
    const first = rig.double.turns()[0]?.rawBody ?? '';
    expect(first).toContain('Write hello.txt');
    expect(first).toContain('ORCH-BRIEF-MARKER');
  });

  it('--resume continues the conversation and charges only this process', async () => {
    rig = await startClaudeDouble({ turns: [turn.text('one', { input: 1000, output: 7 }), turn.text('two', { input: 2000, output: 7 })] });
    const id = randomUUID();
    const a = await rig.launch('first prompt', { agentSession: { mode: 'new', id } });
    expect(a.outcome.costUsd).toBeCloseTo(0.003105, 12);
    const b = await rig.launch('second prompt', { agentSession: { mode: 'resume', id, previousCumulativeCostUsd: a.outcome.cumulativeCostUsd } });

    expect(b.outcome).toMatchObject({ ok: true, agentSessionId: id, resultText: 'two' });
    // The model saw the first exchange: this is the same conversation.
    const second = rig.double.turns()[1]?.body as { messages: { role: string }[] };
    expect(second.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    // 2.1.197 in print mode does not carry the total across --resume: the charge is this call alone,
    // never "total − previous" (which would under-charge by the first run's cost).
    expect(b.outcome.costUsd).toBeCloseTo(listPriceUsd(2000, 7), 12);
    expect(b.outcome.cumulativeCostUsd).toBeCloseTo(0.003105 + 0.006105, 12);
  });

  it('--max-budget-usd stops the run with error_max_budget_usd; overshoot is at most one call', async () => {
    const call = { input: 1000, output: 50 };
    rig = await startClaudeDouble({ turns: [turn.bash('echo one', call), turn.bash('echo two', call), turn.text('never reached')] });
    const { outcome } = await rig.launch('loop', { limits: { maxBudgetUsd: 0.001, timeoutMs: 30_000 }, allowedTools: ['Bash'] });

    expect(outcome).toMatchObject({ ok: false, subtype: 'error_max_budget_usd', failure: null, errors: ['Reached maximum budget ($0.001)'] });
    expect(rig.double.turns()).toHaveLength(1);
    expect(outcome.costUsd).toBeCloseTo(listPriceUsd(1000, 50), 12);
    expect((outcome.costUsd ?? Infinity) - 0.001).toBeLessThanOrEqual(listPriceUsd(call.input, call.output));
  });

  it('--max-turns ends the run with error_max_turns; --model picks the model the CLI requests', async () => {
    rig = await startClaudeDouble({ turns: [turn.bash('echo one'), turn.bash('echo two'), turn.text('never')] });
    const { outcome } = await rig.launch('loop', { limits: { maxTurns: 1 }, allowedTools: ['Bash'], model: 'claude-haiku-4-5-20251001' });

    expect(outcome).toMatchObject({ ok: false, subtype: 'error_max_turns', failure: null });
    expect(outcome.errors.join()).toContain('maximum number of turns (1)');
    expect(rig.double.turns().map((t) => (t.body as { model: string }).model)).toEqual(['claude-haiku-4-5-20251001']);
    expect(Object.keys(outcome.modelUsage)).toEqual(['claude-haiku-4-5-20251001']);
  });

  it('a stalled model: the stall timeout kills the whole process group', async () => {
    // A Bash call first: the group has run a grandchild shell, and output precedes the stall.
    rig = await startClaudeDouble({ turns: [turn.bash('echo working'), turn.hang('mid')] });
    let spawned = 0;
    let aliveWhileRunning: number[] = [];
    const started = Date.now();
    const { outcome, pid } = await rig.launch('hang please', {
      limits: { stallMs: 2000, timeoutMs: 30_000 },
      allowedTools: ['Bash'],
      onSpawn: (p) => (spawned = p),
      onEvent: (e) => {
        if (e.type === 'tool_result') aliveWhileRunning = liveGroupMembers(spawned);
      },
    });

    expect(outcome).toMatchObject({ ok: false, failure: 'stalled', costUsd: null });
    expect(outcome.errors.join()).toContain('no output for 2000 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(aliveWhileRunning).toContain(pid); // the check below can see a live group
    expect(await groupGone(pid ?? 0)).toBe(true);
  });

  it('a slow tool call is not a stall; a tool outliving its own allowance is', async () => {
    rig = await startClaudeDouble({ turns: [turn.bash('sleep 3; echo slept'), turn.text('done')] });
    const slow = await rig.launch('sleep', { limits: { stallMs: 1500, timeoutMs: 60_000 }, allowedTools: ['Bash'] });
    expect(slow.outcome).toMatchObject({ ok: true, failure: null });
    expect(rig.double.turns()).toHaveLength(2);
    await rig.close();

    rig = await startClaudeDouble({ turns: [turn.bash('sleep 60'), turn.text('never')] });
    const started = Date.now();
    const hung = await rig.launch('sleep', { limits: { stallMs: 1000, toolStallMs: 2500, timeoutMs: 60_000 }, allowedTools: ['Bash'] });
    expect(hung.outcome).toMatchObject({ ok: false, failure: 'stalled' });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await groupGone(hung.pid ?? 0)).toBe(true);
  });

  it('a wall-clock timeout kills the process group too', async () => {
    rig = await startClaudeDouble({ turns: [turn.hang('before')] });
    const { outcome, pid } = await rig.launch('hang please', { limits: { timeoutMs: 1500 } });
    expect(outcome).toMatchObject({ ok: false, failure: 'timeout' });
    expect(await groupGone(pid ?? 0)).toBe(true);
  });

  it.each([
    [500, 'api_error'],
    [529, 'overloaded_error'],
  ])('HTTP %i from the model is an error outcome, not success', async (status, errorType) => {
    rig = await startClaudeDouble({ turns: [turn.error(status), turn.text('should not be reached')] });
    const { outcome } = await rig.launch('hello');

    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toBeNull();
    expect(outcome.errors.join()).toContain(`API Error: ${status}`);
    expect(outcome.errors.join()).toContain(errorType);
    expect(outcome.costUsd).toBe(0);
    expect(outcome.exitCode).toBe(1);
    expect(rig.double.turns()).toHaveLength(1); // CLAUDE_CODE_MAX_RETRIES=0: no backoff retries
  });

  it('a 529 the CLI retries shows up as an api_retry event, then the run succeeds', async () => {
    // retry-after: 0 is ignored by the CLI (it waits its ~500 ms base delay); larger values are honoured.
    rig = await startClaudeDouble({ turns: [{ type: 'error', status: 529, retryAfterSeconds: 0 }, turn.text('second try')] }, { maxRetries: 1 });
    const { outcome, events } = await rig.launch('hello');
    expect(outcome).toMatchObject({ ok: true, resultText: 'second try' });
    expect(events.filter((e) => e.type === 'api_retry')).toEqual([
      { type: 'api_retry', attempt: 1, maxRetries: 1, errorStatus: 529, retryDelayMs: expect.any(Number) as number, error: 'overloaded' },
    ]);
  });

  it('--json-schema: the StructuredOutput tool call comes back as structuredOutput', async () => {
    rig = await startClaudeDouble({ turns: [turn.structured({ verdict: 'pass', score: 3 })] });
    const jsonSchema = { type: 'object', properties: { verdict: { type: 'string' }, score: { type: 'number' } }, required: ['verdict', 'score'] };
    const { outcome } = await rig.launch('judge it', { jsonSchema });

    expect(outcome).toMatchObject({ ok: true, structuredOutput: { verdict: 'pass', score: 3 } });
    const tools = (rig.double.turns()[0]?.body as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(tools).toContain('StructuredOutput');
  });

  it('non-JSON stdout lines are recorded as unparsed events and logged; the run still succeeds', async () => {
    rig = await startClaudeDouble({ turns: [turn.text('fine')] });
    const real = createClaudeCodeAdapter();
    await real.check(rig.cwd, rig.env); // the real binary resolves and runs
    // A wrapper that prints noise before the real binary (as version managers do), chosen via ORCH_CLAUDE_BIN.
    const wrapper = join(rig.configDir, 'claude-noisy');
    const realBin = join(process.cwd(), 'node_modules/.bin/claude');
    writeFileSync(wrapper, `#!/bin/sh\necho "banner: not json"\nexec "${realBin}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const logFile = join(rig.configDir, 'agent.log');
    const { outcome, events } = await rig.launch('hi', { env: { ...rig.env, ORCH_CLAUDE_BIN: wrapper }, logFile });

    expect(outcome.ok).toBe(true);
    expect(events).toContainEqual({ type: 'unparsed', line: 'banner: not json' });
    const log = readFileSync(logFile, 'utf8').split('\n');
    expect(log[0]).toBe('banner: not json');
    expect(log.some((l) => l.startsWith('{"type":"result"'))).toBe(true);
  });

  it('a missing binary is agent_missing with the install hint', async () => {
    const adapter = createClaudeCodeAdapter({ bin: '/nonexistent/claude' });
    const err = await adapter.check('/', {}).catch((e: unknown) => e);
    expect(isOrchError(err) && err.code).toBe('agent_missing');
    expect(isOrchError(err) && err.hint).toContain('@anthropic-ai/claude-code@2.1.197');
    expect(existsSync('/nonexistent/claude')).toBe(false);
  });
});
