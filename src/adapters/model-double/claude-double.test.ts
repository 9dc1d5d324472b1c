import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { turn } from './scenario.ts';
import { listPriceUsd, startClaudeDouble, type ClaudeDoubleRig } from '../../../test/support/claude-double.ts';

// The double as the real Claude Code CLI sees it: what it sends, and what it makes of odd answers.
let rig: ClaudeDoubleRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('model double with the real Claude Code CLI', () => {
  it('concurrent processes each follow their own script, chosen by a prompt marker', async () => {
    rig = await startClaudeDouble({
      red: { turns: [turn.write('red.txt', 'R'), turn.text('red done', { input: 500, output: 5 })] },
      blue: { turns: [turn.bash('printf B > blue.txt'), turn.text('blue done', { input: 700, output: 9 })] },
    });
    const [red, blue] = await Promise.all([
      rig.launch('[scenario:red] paint it', { allowedTools: ['Write'] }),
      rig.launch('[scenario:blue] paint it', { allowedTools: ['Bash'] }),
    ]);

    expect([red.outcome.resultText, blue.outcome.resultText]).toEqual(['red done', 'blue done']);
    expect(readFileSync(join(rig.cwd, 'red.txt'), 'utf8')).toBe('R');
    expect(readFileSync(join(rig.cwd, 'blue.txt'), 'utf8')).toBe('B');
    expect(blue.outcome.costUsd).toBeCloseTo(listPriceUsd(100 + 700, 10 + 9), 12);
    expect(rig.double.turns('red').map((t) => t.turnIndex)).toEqual([0, 1]);
    expect(rig.double.turns('blue').map((t) => t.turnIndex)).toEqual([0, 1]);
    // Each conversation is keyed by the CLI's session id header.
    expect(new Set(rig.double.turns().map((t) => t.conversation))).toEqual(new Set([red.outcome.agentSessionId, blue.outcome.agentSessionId]));
  });

  it('records what the model saw: headers, the tool_result round trip, one request per model call', async () => {
    rig = await startClaudeDouble({ turns: [turn.bash('echo from-bash'), turn.text('ok')] });
    const { outcome } = await rig.launch('run it', { allowedTools: ['Bash'] });
    expect(outcome.ok).toBe(true);

    const kinds = rig.double.requests.map((r) => `${r.method} ${r.url} ${r.kind}`);
    expect(kinds).toEqual(['HEAD / probe', 'POST /v1/messages?beta=true turn', 'POST /v1/messages?beta=true turn']);
    const [, first, second] = rig.double.requests;
    expect(first?.headers['x-claude-code-session-id']).toBe(outcome.agentSessionId);
    expect(first?.headers['x-api-key']).toBe('dummy');
    expect((first?.body as { model: string }).model).toBe('claude-sonnet-4-5-20250929');
    const last = (second?.body as { messages: { content: unknown }[] }).messages.at(-1);
    expect(last?.content).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'tool_result', content: 'from-bash' })]));
  });

  it('garbage SSE: the CLI falls back to a non-streaming call, which the double answers from the script', async () => {
    rig = await startClaudeDouble({ turns: [{ type: 'malformed', mode: 'garbage' }, turn.text('recovered', { input: 40, output: 4 })] });
    const { outcome, events } = await rig.launch('hi');

    expect(outcome).toMatchObject({ ok: true, resultText: 'recovered' });
    const [streamed, fallback] = rig.double.turns();
    expect((streamed?.body as { stream?: boolean }).stream).toBe(true);
    expect((fallback?.body as { stream?: boolean }).stream).toBeUndefined();
    expect(events.some((e) => e.type === 'stderr' && e.line.includes('Could not parse'))).toBe(true);
  });

  it('a dropped stream: the CLI retries without streaming; if that fails too the outcome is an error', async () => {
    rig = await startClaudeDouble({ turns: [{ type: 'malformed', mode: 'truncated' }, turn.error(500)] });
    const { outcome } = await rig.launch('hi');
    expect(rig.double.turns().map((t) => [t.status, (t.body as { stream?: boolean }).stream])).toEqual([[200, true], [500, undefined]]);
    expect(outcome).toMatchObject({ ok: false, failure: null, costUsd: 0 });
    expect(outcome.errors.join()).toMatch(/API Error: 500/);
  });

  it('an overloaded error event mid-stream is retried by the CLI even with CLAUDE_CODE_MAX_RETRIES=0', async () => {
    rig = await startClaudeDouble({ turns: [{ type: 'malformed', mode: 'error_event' }, turn.text('second try')] });
    const { outcome } = await rig.launch('hi');
    expect(outcome).toMatchObject({ ok: true, resultText: 'second try' });
    expect(rig.double.turns()).toHaveLength(2);
    // The aborted stream's message_start usage is billed too: 2 × 100 input tokens.
    expect(outcome.modelUsage['claude-sonnet-4-5-20250929']?.inputTokens).toBe(200);
  });
});
