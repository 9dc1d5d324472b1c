import { z } from 'zod';
import type { AgentEvent } from './types.ts';

/**
 * Parser for `claude -p --output-format stream-json --verbose` stdout (reference/agents-cost.md §1.5).
 * Tolerant by design: unknown line types and fields are ignored, a line that is not JSON becomes an
 * `unparsed` event. Only the final `result` line carries cost; interim `usage` on assistant lines is not one.
 */

const modelUsageSchema = z.looseObject({
  inputTokens: z.number().default(0),
  outputTokens: z.number().default(0),
  cacheReadInputTokens: z.number().default(0),
  cacheCreationInputTokens: z.number().default(0),
  costUSD: z.number().optional(),
});
export type ClaudeModelUsage = z.output<typeof modelUsageSchema>;

export const claudeResultSchema = z.looseObject({
  type: z.literal('result'),
  subtype: z.string(),
  is_error: z.boolean().default(false),
  session_id: z.string().optional(),
  total_cost_usd: z.number().optional(),
  num_turns: z.number().optional(),
  duration_ms: z.number().optional(),
  /** Present on success (and on API errors, which come back as subtype success + is_error). */
  result: z.string().optional(),
  errors: z.array(z.string()).optional(),
  api_error_status: z.number().nullable().optional(),
  terminal_reason: z.string().optional(),
  modelUsage: z.record(z.string(), modelUsageSchema).optional(),
  permission_denials: z.array(z.looseObject({ tool_name: z.string(), tool_use_id: z.string().optional(), tool_input: z.unknown() })).optional(),
  structured_output: z.unknown().optional(),
});
export type ClaudeResult = z.output<typeof claudeResultSchema>;

export interface ParsedLine {
  events: AgentEvent[];
  /** Set when the line is the final `result` message. */
  result: ClaudeResult | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function parseStreamJsonLine(line: string): ParsedLine {
  const none: ParsedLine = { events: [], result: null };
  if (line.trim() === '') return none;
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return { events: [{ type: 'unparsed', line }], result: null };
  }
  if (!isObj(msg)) return { events: [{ type: 'unparsed', line }], result: null };
  switch (msg.type) {
    case 'system':
      return { events: systemEvents(msg), result: null };
    case 'assistant':
      return { events: assistantEvents(msg), result: null };
    case 'user':
      return { events: toolResultEvents(msg), result: null };
    case 'result': {
      const parsed = claudeResultSchema.safeParse(msg);
      return parsed.success ? { events: [], result: parsed.data } : { events: [{ type: 'unparsed', line }], result: null };
    }
    default:
      return none;
  }
}

function systemEvents(msg: Obj): AgentEvent[] {
  if (msg.subtype === 'init') {
    const tools = Array.isArray(msg.tools) ? msg.tools.filter((t): t is string => typeof t === 'string') : [];
    return [{ type: 'init', agentSessionId: str(msg.session_id) ?? '', model: str(msg.model), tools, version: str(msg.claude_code_version) }];
  }
  if (msg.subtype === 'api_retry') {
    return [
      {
        type: 'api_retry',
        attempt: num(msg.attempt) ?? 0,
        maxRetries: num(msg.max_retries),
        errorStatus: num(msg.error_status),
        retryDelayMs: num(msg.retry_delay_ms),
        error: str(msg.error),
      },
    ];
  }
  return [];
}

/** Claude Code emits one assistant line per content block; thinking blocks are not surfaced. */
function assistantEvents(msg: Obj): AgentEvent[] {
  const content = isObj(msg.message) && Array.isArray(msg.message.content) ? msg.message.content : [];
  const events: AgentEvent[] = [];
  for (const block of content) {
    if (!isObj(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') events.push({ type: 'text', text: block.text });
    if (block.type === 'tool_use') events.push({ type: 'tool_use', id: str(block.id) ?? '', name: str(block.name) ?? '', input: block.input });
  }
  // Interim usage: the same message id repeats per content block; the caller keeps the largest.
  const m = isObj(msg.message) ? msg.message : null;
  if (m && isObj(m.usage) && typeof m.model === 'string') {
    const u = m.usage;
    const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    events.push({
      type: 'usage',
      messageId: str(m.id) ?? '',
      model: m.model,
      usage: { inputTokens: n(u.input_tokens), outputTokens: n(u.output_tokens), cacheReadInputTokens: n(u.cache_read_input_tokens), cacheCreationInputTokens: n(u.cache_creation_input_tokens) },
    });
  }
  return events;
}

function toolResultEvents(msg: Obj): AgentEvent[] {
  const content = isObj(msg.message) && Array.isArray(msg.message.content) ? msg.message.content : [];
  const events: AgentEvent[] = [];
  for (const block of content) {
    if (!isObj(block) || block.type !== 'tool_result') continue;
    events.push({ type: 'tool_result', toolUseId: str(block.tool_use_id) ?? '', isError: block.is_error === true, content: flattenContent(block.content) });
  }
  return events;
}

/** tool_result content is a string or an array of blocks; keep the text, note anything else. */
function flattenContent(c: unknown): string {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return c === undefined || c === null ? '' : JSON.stringify(c);
  return c.map((b) => (isObj(b) && typeof b.text === 'string' ? b.text : isObj(b) ? `[${String(b.type)}]` : String(b))).join('\n');
}
