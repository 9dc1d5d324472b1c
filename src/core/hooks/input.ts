/** The JSON Claude Code writes to a hook's stdin, and the JSON a hook answers with (pure). */
import { z } from 'zod';
import { OrchError } from '../errors.ts';
import type { HookEvent } from './settings.ts';

/** Claude session ids name state files: allow UUID-like ids only. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

// Fields Claude Code 2.1.197 sends; unknown ones (permission_mode, tool_input, …) are ignored.
const HookInputSchema = z.object({
  session_id: z.string().regex(SESSION_ID),
  transcript_path: z.string().min(1),
  cwd: z.string().min(1),
  hook_event_name: z.string(),
  source: z.string().optional(),
  reason: z.string().optional(),
  trigger: z.string().optional(),
  tool_name: z.string().optional(),
  stop_hook_active: z.boolean().optional(),
});
export type HookInput = z.infer<typeof HookInputSchema>;

/** Parse stdin; garbage, a missing field or an event that differs from the command's is an error. */
export function parseHookInput(text: string, event: HookEvent): HookInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OrchError('usage', `hook ${event}: stdin is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 60))})`);
  }
  const res = HookInputSchema.safeParse(raw);
  if (!res.success) {
    const i = res.error.issues[0];
    throw new OrchError('usage', `hook ${event}: unexpected stdin: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
  }
  if (res.data.hook_event_name !== event) {
    throw new OrchError('usage', `hook ${event}: stdin is for ${res.data.hook_event_name}`);
  }
  return res.data;
}

export function sessionStartOutput(additionalContext: string): string {
  return JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext } });
}

/** Claude Code reads `permissionDecisionReason` for a deny (and shows it to the model). */
export function denyToolOutput(reason: string): string {
  return JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } });
}
