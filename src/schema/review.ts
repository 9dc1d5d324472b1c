import { z } from 'zod';

/** Peer review (issue 6): what reviewers answer, and the `review:` section of .orch/config.yaml. */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** One finding as the reviewer model states it (before the hallucination guard). */
export const ReviewFindingInput = z.strictObject({
  reviewer: z.string().min(1).max(100),
  severity: Severity,
  file: z.string().min(1).max(1000),
  line: z.number().int().nonnegative(),
  /** Verbatim text from the diff the finding is about: checked against the diff. */
  quote: z.string().min(1).max(4000),
  finding: z.string().min(1).max(4000),
  suggestion: z.string().max(4000),
});
export type ReviewFindingInput = z.infer<typeof ReviewFindingInput>;

/** The reviewer's whole answer (Claude Code `--json-schema`, returned as `structured_output`). */
export const ReviewerAnswer = z.strictObject({ findings: z.array(ReviewFindingInput).max(200) });
export type ReviewerAnswer = z.infer<typeof ReviewerAnswer>;

/** JSON Schema handed to the agent; the same zod schema validates the answer afterwards. */
export const reviewerAnswerJsonSchema = (): Record<string, unknown> => {
  const schema: Record<string, unknown> = { ...z.toJSONSchema(ReviewerAnswer, { target: 'draft-7' }) };
  delete schema.$schema; // the agent wants the schema body, not a dialect pointer
  return schema;
};

const NAME = /^[a-z0-9][a-z0-9._-]{0,39}$/i;
export const ReviewerName = z.string().regex(NAME, 'reviewer names are letters, digits, ".", "_" and "-" (at most 40)');

export const ReviewerConfigEntry = z.strictObject({
  /** What this reviewer looks for; required for reviewers that are not built in. */
  prompt: z.string().min(1).max(20_000).optional(),
  model: z.string().min(1).optional(),
  /** Its findings at or above the policy's severity block the work. */
  blocking: z.boolean().optional(),
  enabled: z.boolean().optional(),
});
export type ReviewerConfigEntry = z.infer<typeof ReviewerConfigEntry>;

export const BlockOn = z.enum(['critical', 'high']);
export type BlockOn = z.infer<typeof BlockOn>;

export const ReviewConfig = z.strictObject({
  reviewers: z.record(ReviewerName, ReviewerConfigEntry).optional(),
  policy: z.strictObject({ blockOn: BlockOn.optional() }).optional(),
  /** Per reviewer run: kill it after this long, or after this long without output. */
  timeoutSeconds: z.number().positive().max(86_400).optional(),
  stallSeconds: z.number().positive().max(86_400).optional(),
  /** Tools a reviewer may use to read around the diff (read-only by default). */
  allowedTools: z.array(z.string().min(1)).optional(),
  /** Diffs larger than this are cut (the reviewers are told); default 200 000 characters. */
  maxDiffChars: z.number().int().positive().optional(),
});
export type ReviewConfig = z.infer<typeof ReviewConfig>;
