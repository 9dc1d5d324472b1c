/** The line the agent ends with when the whole task is done (checked on its final message). */
export const DONE_MARKER = 'ORCH_DONE';

/** orch's instructions, appended to the agent's system prompt. */
export const ORCH_SYSTEM_PROMPT = [
  'You are working inside orch, which runs you in sessions with a budget and keeps checkpoints.',
  'Work on the task in small, verified steps and commit your work with git when a step is complete.',
  `When the whole task is complete and checked, end your final message with a line containing only ${DONE_MARKER}.`,
  'If work remains, end with a short list of next steps instead; orch will start a new session with a brief.',
].join(' ');

/** Tools an unattended agent may use unless configured otherwise (bypass modes are refused as root). */
export const DEFAULT_ALLOWED_TOOLS = ['Read', 'Write', 'Edit', 'MultiEdit', 'Bash', 'Glob', 'Grep', 'LS', 'TodoWrite'] as const;

export function buildPrompt(task: string, brief: string | null): string {
  if (!brief) return `# Task\n\n${task}\n`;
  return `# Task\n\n${task}\n\n---\n\nThis continues earlier sessions. Read this brief before you start; it says what was done and what didn't work.\n\n${brief}`;
}

/** The agent said it is done: the marker alone on a line of its final message. */
export const saysDone = (text: string | null): boolean => text !== null && text.split('\n').some((l) => l.trim() === DONE_MARKER);
