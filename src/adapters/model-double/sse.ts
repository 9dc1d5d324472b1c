import type { ToolCall, TurnUsage } from './scenario.ts';

/** Anthropic Messages API wire shapes, as Claude Code accepts them (reference/agents-cost.md §5.2). */

export interface SseEvent {
  event: string;
  data: unknown;
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export function encodeSse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export function wireUsage(u: TurnUsage, outputTokens: number): Record<string, number> {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheCreation,
    cache_read_input_tokens: u.cacheRead,
    output_tokens: outputTokens,
  };
}

export function contentBlocks(text: string | undefined, calls: ToolCall[], newToolId: () => string): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  if (text !== undefined && text !== '') blocks.push({ type: 'text', text });
  for (const c of calls) blocks.push({ type: 'tool_use', id: c.id ?? newToolId(), name: c.name, input: c.input });
  return blocks;
}

/** Split into a few fragments: clients must concatenate deltas, so the double makes them. */
function fragments(s: string, parts = 3): string[] {
  if (s.length < parts * 2) return [s];
  const size = Math.ceil(s.length / parts);
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

export function messageStart(id: string, model: string, usage: TurnUsage): SseEvent {
  return {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: wireUsage(usage, 1) },
    },
  };
}

export function blockEvents(index: number, block: ContentBlock): SseEvent[] {
  const start =
    block.type === 'text'
      ? { type: 'text', text: '' }
      : { type: 'tool_use', id: block.id, name: block.name, input: {} };
  const deltas =
    block.type === 'text'
      ? fragments(block.text).map((text) => ({ type: 'text_delta', text }))
      : ['', ...fragments(JSON.stringify(block.input))].map((partial_json) => ({ type: 'input_json_delta', partial_json }));
  return [
    { event: 'content_block_start', data: { type: 'content_block_start', index, content_block: start } },
    ...deltas.map((delta) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } })),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
  ];
}

export function stopReasonOf(blocks: ContentBlock[]): 'tool_use' | 'end_turn' {
  return blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
}

export function messageEnd(blocks: ContentBlock[], usage: TurnUsage): SseEvent[] {
  return [
    {
      event: 'message_delta',
      data: { type: 'message_delta', delta: { stop_reason: stopReasonOf(blocks), stop_sequence: null }, usage: { output_tokens: usage.output } },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ];
}

/** The same answer as one Message object, for requests without `stream: true`. */
export function messageJson(id: string, model: string, blocks: ContentBlock[], usage: TurnUsage): Record<string, unknown> {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: blocks,
    stop_reason: stopReasonOf(blocks),
    stop_sequence: null,
    usage: wireUsage(usage, usage.output),
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function errorBody(status: number, errorType?: string, message?: string): { type: 'error'; error: { type: string; message: string } } {
  const type = errorType ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: message ?? `model double: scripted ${status} ${type}` } };
}
