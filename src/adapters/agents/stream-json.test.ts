import { describe, expect, it } from 'vitest';
import { parseStreamJsonLine } from './stream-json.ts';

// Lines trimmed from real 2.1.197 output against the model double.
const init = JSON.stringify({
  type: 'system', subtype: 'init', cwd: '/tmp/x', session_id: 's-1', tools: ['Bash', 'Write'], model: 'claude-sonnet-4-5-20250929',
  permissionMode: 'default', apiKeySource: 'ANTHROPIC_API_KEY', claude_code_version: '2.1.197', uuid: 'u',
});
const assistant = JSON.stringify({
  type: 'assistant',
  message: {
    id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'Writing' }, { type: 'thinking', thinking: '…' }, { type: 'tool_use', id: 'toolu_1', name: 'Write', input: { file_path: 'a', content: 'b' } }],
    stop_reason: null, usage: { input_tokens: 1000, output_tokens: 1 },
  },
  parent_tool_use_id: null, session_id: 's-1',
});
const user = JSON.stringify({
  type: 'user',
  message: { role: 'user', content: [{ tool_use_id: 'toolu_1', type: 'tool_result', content: [{ type: 'text', text: 'line 1' }, { type: 'image' }], is_error: true }] },
  tool_use_result: { type: 'create' },
});
const result = JSON.stringify({
  type: 'result', subtype: 'error_max_budget_usd', duration_ms: 72, is_error: true, num_turns: 1, session_id: 's-1', total_cost_usd: 0.00375,
  modelUsage: { 'claude-sonnet-4-5-20250929': { inputTokens: 1000, outputTokens: 50, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, webSearchRequests: 0, costUSD: 0.00375 } },
  permission_denials: [{ tool_name: 'Bash', tool_use_id: 't', tool_input: { command: 'rm -rf /' } }], errors: ['Reached maximum budget ($0.001)'], new_future_field: 1,
});

describe('parseStreamJsonLine', () => {
  it('maps init, assistant blocks and tool results to agent events', () => {
    expect(parseStreamJsonLine(init).events).toEqual([
      { type: 'init', agentSessionId: 's-1', model: 'claude-sonnet-4-5-20250929', tools: ['Bash', 'Write'], version: '2.1.197' },
    ]);
    expect(parseStreamJsonLine(assistant).events).toEqual([
      { type: 'text', text: 'Writing' },
      { type: 'tool_use', id: 'toolu_1', name: 'Write', input: { file_path: 'a', content: 'b' } },
      {
        type: 'usage',
        messageId: 'msg_1',
        model: 'claude-sonnet-4-5-20250929',
        usage: { inputTokens: 1000, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      },
    ]);
    expect(parseStreamJsonLine(user).events).toEqual([{ type: 'tool_result', toolUseId: 'toolu_1', isError: true, content: 'line 1\n[image]' }]);
  });

  it('returns the result line typed, keeping unknown fields', () => {
    const r = parseStreamJsonLine(result);
    expect(r.events).toEqual([]);
    expect(r.result).toMatchObject({ subtype: 'error_max_budget_usd', is_error: true, total_cost_usd: 0.00375, new_future_field: 1 });
    expect(r.result?.modelUsage?.['claude-sonnet-4-5-20250929']?.costUSD).toBe(0.00375);
    expect(r.result?.permission_denials?.[0]?.tool_name).toBe('Bash');
  });

  it('non-JSON and malformed result lines are unparsed, unknown types are ignored', () => {
    expect(parseStreamJsonLine('Welcome to claude!')).toEqual({ events: [{ type: 'unparsed', line: 'Welcome to claude!' }], result: null });
    expect(parseStreamJsonLine('[1,2]').events).toEqual([{ type: 'unparsed', line: '[1,2]' }]);
    expect(parseStreamJsonLine('{"type":"result","subtype":7}').events[0]?.type).toBe('unparsed');
    expect(parseStreamJsonLine('{"type":"stream_event","event":{}}')).toEqual({ events: [], result: null });
    expect(parseStreamJsonLine('{"type":"system","subtype":"compact_boundary"}').events).toEqual([]);
    expect(parseStreamJsonLine('   ')).toEqual({ events: [], result: null });
  });
});
