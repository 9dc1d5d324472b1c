import type { Reviewer } from './config.ts';

export interface PromptInput {
  reviewer: Reviewer;
  epicId: string;
  base: string;
  head: string | null;
  diff: string;
  truncated: boolean;
}

/** The task given to one reviewer: its focus, the rules of the answer, then the diff. */
export function reviewerPrompt(p: PromptInput): string {
  return [
    p.reviewer.prompt,
    '',
    `Review the changes of epic "${p.epicId}" shown in the diff below (from ${p.base.slice(0, 12)} to ${p.head ? p.head.slice(0, 12) : 'the working tree'} plus uncommitted work).`,
    'You may read files of the repository for context, but report only problems in the changed code.',
    '',
    'Answer with the StructuredOutput tool: {"findings": [...]}, an empty list when you find nothing worth reporting. For each finding:',
    `- reviewer: "${p.reviewer.name}"`,
    '- severity: critical | high | medium | low | info',
    '- file: the path as it appears in the diff (after "b/"); line: the line number in the new file',
    '- quote: the exact code the finding is about, copied verbatim from the diff without the leading +/- marker (findings whose quote is not in the diff are discarded)',
    '- finding: what is wrong and why it matters; suggestion: how to fix it',
    '',
    p.truncated ? 'The diff was cut because it is long; review what is shown.\n' : '',
    '```diff',
    p.diff,
    '```',
  ].join('\n');
}
