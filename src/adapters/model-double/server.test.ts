import { afterEach, describe, expect, it } from 'vitest';
import { startModelDouble, type ModelDouble } from './server.ts';
import { turn } from './scenario.ts';

// Wire-level checks of the double with plain fetch; claude-double.test.ts drives it with the real CLI.
let md: ModelDouble | undefined;
afterEach(async () => {
  await md?.close();
  md = undefined;
});

const tools = [{ name: 'Write', description: 'w', input_schema: { type: 'object' } }];
const post = (body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${md?.url}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const ask = (text: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> =>
  post({ model: 'claude-sonnet-4-5-20250929', stream: true, tools, messages: [{ role: 'user', content: text }], ...extra }, headers);

/** Parse an SSE body into its events, checking each `data` repeats the event name. */
async function sse(res: Response): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((frame) => {
      const event = /^event: (.+)$/m.exec(frame)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(frame)?.[1] ?? 'null') as Record<string, unknown>;
      expect(data.type).toBe(event);
      return { event, data };
    });
}

describe('model double: wire format', () => {
  it('streams text and tool_use turns in the Anthropic SSE order with usage and unique ids', async () => {
    md = await startModelDouble({ turns: [turn.tools([{ name: 'Write', input: { file_path: 'a.txt', content: 'x'.repeat(40) } }], { input: 1000, output: 50, cacheRead: 7 }, 'Writing'), turn.text('done', { input: 5, output: 2 })] });
    const r1 = await ask('go');
    expect(r1.headers.get('content-type')).toBe('text/event-stream');
    const e1 = await sse(r1);
    expect(e1.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    const start = e1[0]?.data.message as { id: string; usage: Record<string, number> };
    expect(start.usage).toEqual({ input_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 7, output_tokens: 1 });
    const json = e1.filter((e) => (e.data.delta as { type?: string } | undefined)?.type === 'input_json_delta').map((e) => (e.data.delta as { partial_json: string }).partial_json);
    expect(JSON.parse(json.join(''))).toEqual({ file_path: 'a.txt', content: 'x'.repeat(40) });
    expect(e1.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 50 } });

    const r2 = await ask('go');
    const e2 = await sse(r2);
    expect(e2.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } });
    const id2 = (e2[0]?.data.message as { id: string }).id;
    expect(id2).not.toBe(start.id);
    expect(r1.headers.get('request-id')).not.toBe(r2.headers.get('request-id'));
    expect(md.turns().map((t) => [t.turnIndex, t.messageId])).toEqual([[0, start.id], [1, id2]]);
  });

  it('selects the script by [scenario:NAME] and keeps one cursor per conversation', async () => {
    md = await startModelDouble({ default: { turns: [turn.text('D0')] }, alpha: { turns: [turn.text('A0'), turn.text('A1')] } });
    const text = async (r: Response): Promise<string> =>
      (await sse(r)).filter((e) => e.event === 'content_block_delta').map((e) => (e.data.delta as { text: string }).text).join('');
    const s1 = { 'x-claude-code-session-id': 'one' };
    const s2 = { 'x-claude-code-session-id': 'two' };
    expect(await text(await ask('[scenario:alpha] hi', {}, s1))).toBe('A0');
    expect(await text(await ask('[scenario:alpha] hi', {}, s2))).toBe('A0');
    expect(await text(await ask('[scenario:alpha] again', {}, s1))).toBe('A1');
    expect(await text(await ask('no marker', {}, s1))).toBe('D0');
    expect(await text(await ask('[scenario:unknown] x', {}, s2))).toBe('D0'); // its own cursor in "two"
    expect(await text(await ask('[scenario:alpha] past the end', {}, s1))).toContain('has no more turns');
    expect(md.requests.map((r) => r.scenario)).toEqual(['alpha', 'alpha', 'alpha', 'default', 'default', 'alpha']);
    expect(md.requests.map((r) => r.conversation)).toEqual(['one', 'two', 'one', 'one', 'two', 'one']);
  });

  it('answers scripted HTTP errors with the Anthropic error body; side queries do not use turns', async () => {
    md = await startModelDouble({ turns: [turn.error(429), turn.error(529, 'busy'), { type: 'error', status: 500, retryAfterSeconds: 0 }, turn.text('ok')] });
    const side = await post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'title?' }] });
    expect(side.status).toBe(200);
    await side.text();
    const r429 = await ask('x', { tools: [] }); // `--tools ""` main-loop calls send an empty array: still a turn
    expect(r429.status).toBe(429);
    expect(await r429.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.any(String) as string } });
    const r529 = await ask('x');
    expect(r529.status).toBe(529);
    expect(await r529.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
    const r500 = await ask('x');
    expect([r500.status, r500.headers.get('retry-after'), r500.headers.get('request-id')?.startsWith('req_')]).toEqual([500, '0', true]);
    expect((await r500.json())).toMatchObject({ error: { type: 'api_error' } });
    expect(md.requests.map((r) => [r.kind, r.status])).toEqual([['side', 200], ['turn', 429], ['turn', 529], ['turn', 500]]);
  });

  it('answers non-streaming calls, count_tokens, HEAD / and unknown routes sensibly', async () => {
    md = await startModelDouble({ turns: [turn.text('plain', { input: 3, output: 4 })] });
    const plain = (await (await ask('x', { stream: false })).json()) as Record<string, unknown>;
    expect(plain).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'plain' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 4 } });
    const count = await fetch(`${md.url}/v1/messages/count_tokens?beta=true`, { method: 'POST', body: JSON.stringify({ messages: [] }) });
    expect(((await count.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    expect((await fetch(md.url, { method: 'HEAD' })).status).toBe(200);
    const models = (await (await fetch(`${md.url}/v1/models`)).json()) as { data: unknown[] };
    expect(models.data).toHaveLength(1);
    const missing = await fetch(`${md.url}/v2/nothing`);
    expect([missing.status, ((await missing.json()) as { type: string }).type]).toEqual([404, 'error']);
    const bad = await fetch(`${md.url}/v1/messages`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(md.requests.map((r) => r.kind)).toEqual(['turn', 'count_tokens', 'probe', 'other', 'other', 'other']);
  });

  it('malformed streams: garbage data, a dropped connection, an error event mid-stream', async () => {
    md = await startModelDouble({ turns: [{ type: 'malformed', mode: 'garbage' }, { type: 'malformed', mode: 'truncated' }, { type: 'malformed', mode: 'error_event' }] });
    expect(await (await ask('x')).text()).toContain('data: {not json');
    const truncated = await ask('x');
    expect(truncated.status).toBe(200);
    await expect(truncated.text()).rejects.toThrow(); // no message_stop, the socket is destroyed
    const events = await sse(await ask('x'));
    expect(events.map((e) => e.event)).toEqual(['message_start', 'error']);
  });

  it('stalls: delays the answer, hangs forever without blocking close()', async () => {
    md = await startModelDouble({ turns: [{ type: 'text', text: 'late', stall: { beforeMs: 300, midStreamMs: 200 } }, turn.hang('before')] });
    const t0 = Date.now();
    await sse(await ask('x'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(480);
    const hung = ask('x').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    expect(md.requests).toHaveLength(2); // recorded before it was (never) answered
    await md.close();
    md = undefined;
    expect(await hung).toBeInstanceOf(Error);
  });

  it('rejects an invalid scenario up front', async () => {
    await expect(startModelDouble({ turns: [{ type: 'tool_use', calls: [] }] } as never)).rejects.toThrow();
    await expect(startModelDouble({ 'bad name!': { turns: [] } })).rejects.toThrow();
  });
});
