import { z } from 'zod';

/**
 * A scenario is the script the model double follows: an ordered list of turns, one per model call
 * of the main conversation. Token counts are fixed per turn so cost assertions are exact.
 */

export const usageSchema = z.strictObject({
  input: z.number().int().nonnegative().default(100),
  output: z.number().int().nonnegative().default(10),
  cacheRead: z.number().int().nonnegative().default(0),
  cacheCreation: z.number().int().nonnegative().default(0),
});
export type TurnUsage = z.output<typeof usageSchema>;

/** Delays in ms; `hang` never finishes the response (before headers, or after message_start). */
export const stallSchema = z.strictObject({
  beforeMs: z.number().int().nonnegative().optional(),
  midStreamMs: z.number().int().nonnegative().optional(),
  hang: z.enum(['before', 'mid']).optional(),
});

const toolCallSchema = z.strictObject({
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  id: z.string().optional(),
});
export type ToolCall = z.output<typeof toolCallSchema>;

const common = {
  usage: usageSchema.prefault({}),
  stall: stallSchema.optional(),
};

export const turnSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string(), ...common }),
  z.strictObject({
    type: z.literal('tool_use'),
    calls: z.array(toolCallSchema).min(1),
    /** Optional text block before the tool calls ("I'll write the file"). */
    text: z.string().optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('error'),
    status: z.number().int().min(400).max(599),
    /** Anthropic error type; derived from the status when absent. */
    errorType: z.string().optional(),
    message: z.string().optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    stall: stallSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('malformed'),
    /** garbage: non-JSON data lines; truncated: connection closed mid-message; error_event: SSE `error` mid-stream. */
    mode: z.enum(['garbage', 'truncated', 'error_event']),
    ...common,
  }),
]);
export type Turn = z.output<typeof turnSchema>;
export type TurnInput = z.input<typeof turnSchema>;

export const scenarioSchema = z.strictObject({
  turns: z.array(turnSchema),
  /** What to answer once the turns are used up: a short closing text, or a 500 (to catch runaway loops). */
  whenExhausted: z.enum(['text', 'error']).default('text'),
  /** `conversation`: each Claude session starts the script afresh; `shared`: later sessions continue it. */
  cursor: z.enum(['conversation', 'shared']).default('conversation'),
});
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Name of the script used when a request carries no `[scenario:NAME]` marker. */
export const DEFAULT_SCENARIO = 'default';

export const scenarioSetSchema = z.record(z.string().regex(/^[\w.-]+$/), scenarioSchema);
export type ScenarioSet = z.output<typeof scenarioSetSchema>;

/** Accept one scenario or a map of named ones; a single one becomes `default`. */
export function parseScenarios(input: ScenarioInput | Record<string, ScenarioInput>): ScenarioSet {
  const single = typeof input === 'object' && input !== null && 'turns' in input && Array.isArray(input.turns);
  return scenarioSetSchema.parse(single ? { [DEFAULT_SCENARIO]: input } : input);
}

const MARKER = /\[scenario:([\w.-]+)\]/;

/** The scenario marker in a request body (prompt, system text or history), if any. */
export function findScenarioMarker(rawBody: string): string | null {
  return MARKER.exec(rawBody)?.[1] ?? null;
}

type UsageIn = z.input<typeof usageSchema>;

/** Builders so scripts read like what the model does. */
export const turn = {
  text: (text: string, usage: UsageIn = {}): TurnInput => ({ type: 'text', text, usage }),
  tools: (calls: ToolCall[], usage: UsageIn = {}, text?: string): TurnInput =>
    text === undefined ? { type: 'tool_use', calls, usage } : { type: 'tool_use', calls, usage, text },
  write: (filePath: string, content: string, usage: UsageIn = {}): TurnInput =>
    turn.tools([{ name: 'Write', input: { file_path: filePath, content } }], usage),
  bash: (command: string, usage: UsageIn = {}): TurnInput =>
    turn.tools([{ name: 'Bash', input: { command, description: 'Run a command' } }], usage),
  edit: (filePath: string, oldString: string, newString: string, usage: UsageIn = {}): TurnInput =>
    turn.tools([{ name: 'Edit', input: { file_path: filePath, old_string: oldString, new_string: newString } }], usage),
  /** Answer of a `--json-schema` run: Claude Code offers the model a `StructuredOutput` tool. */
  structured: (output: Record<string, unknown>, usage: UsageIn = {}): TurnInput =>
    turn.tools([{ name: 'StructuredOutput', input: output }], usage),
  error: (status: number, message?: string): TurnInput => (message === undefined ? { type: 'error', status } : { type: 'error', status, message }),
  hang: (at: 'before' | 'mid' = 'before'): TurnInput => ({ type: 'text', text: '', stall: { hang: at } }),
};
