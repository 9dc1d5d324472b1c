import { z } from 'zod';

/**
 * Documents of the learning loop (issue 7): reflections, postmortems and saved metrics. Each is
 * stored as a commit chain (one commit per version) under refs/orchestration/_learning/… .
 */
export const LEARNING_SCHEMA_VERSION = 1;

export const LearningKind = z.enum([
  'repeated_command_failure',
  'gate_correction',
  'budget_overrun',
  'witness_restart',
  'merge_conflict_files',
  'permission_denial',
  'recurring_review_finding',
  'llm',
]);
export type LearningKind = z.infer<typeof LearningKind>;

/** One lesson: rule-file text plus the recorded events that show it. */
export const Learning = z.object({
  /** Stable across reflections: derived from kind + subject, so the same lesson dedupes. */
  id: z.string().regex(/^L-[0-9a-f]{10}$/),
  kind: LearningKind,
  title: z.string(),
  /** The text that goes into the rule file. */
  rule: z.string(),
  /** Event ids (session, epic or convoy events) this learning rests on. */
  evidence: z.array(z.string()).min(1),
  confidence: z.number().min(0).max(1),
});
export type Learning = z.infer<typeof Learning>;

export const AppliedRecord = z.object({
  at: z.string(),
  files: z.array(z.string()),
  /** null: written to the working tree; otherwise the branch that holds the commit. */
  branch: z.string().nullable(),
  commit: z.string().nullable(),
});
export type AppliedRecord = z.infer<typeof AppliedRecord>;

export const Reflection = z.object({
  schemaVersion: z.literal(LEARNING_SCHEMA_VERSION),
  id: z.string(),
  target: z.object({ type: z.enum(['epic', 'convoy']), id: z.string(), epicId: z.string() }),
  createdAt: z.string(),
  stats: z.object({ sessions: z.number().int().nonnegative(), events: z.number().int().nonnegative() }),
  learnings: z.array(Learning),
  /** The optional model pass: its measured cost (null = unknown) and lessons it gave that were dropped. */
  llm: z.object({ costUsd: z.number().nullable(), dropped: z.number().int().nonnegative() }).nullable(),
  /** learning id → where it was applied. */
  applied: z.record(z.string(), AppliedRecord),
});
export type Reflection = z.infer<typeof Reflection>;

export const PostmortemStatus = z.enum(['draft', 'analyzing', 'review', 'approved', 'applied']);
export type PostmortemStatus = z.infer<typeof PostmortemStatus>;

export const RootCauseCategory = z.enum(['code_logic', 'security', 'race_condition', 'resource_exhaustion', 'configuration', 'tooling', 'unknown']);
export type RootCauseCategory = z.infer<typeof RootCauseCategory>;

export const TimelineEntry = z.object({
  at: z.string(),
  source: z.enum(['tracker', 'event', 'commit', 'checkpoint']),
  /** Event id, commit sha, checkpoint id or issue id. */
  ref: z.string(),
  text: z.string(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** An enforceable check: a gate command, or a fixed string that must not appear in some paths. */
export const PreventionCheck = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gate'), name: z.string(), command: z.string() }),
  z.object({ kind: z.literal('forbidden_pattern'), name: z.string(), pattern: z.string(), paths: z.array(z.string()) }),
  z.object({ kind: z.literal('require_gate'), name: z.string() }),
]);
export type PreventionCheck = z.infer<typeof PreventionCheck>;

export const PreventionRule = z.object({
  id: z.string().regex(/^R-[0-9a-f]{10}$/),
  title: z.string(),
  rule: z.string(),
  check: PreventionCheck.nullable(),
  evidence: z.array(z.string()),
  approved: z.boolean(),
});
export type PreventionRule = z.infer<typeof PreventionRule>;

export const Postmortem = z.object({
  schemaVersion: z.literal(LEARNING_SCHEMA_VERSION),
  id: z.string(),
  issue: z.object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    createdAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    files: z.array(z.string()),
  }),
  epicIds: z.array(z.string()),
  status: PostmortemStatus,
  history: z.array(z.object({ status: PostmortemStatus, at: z.string() })),
  timeline: z.array(TimelineEntry),
  rootCause: z.object({ category: RootCauseCategory, summary: z.string(), evidence: z.array(z.string()) }).nullable(),
  rules: z.array(PreventionRule),
  applied: z.object({ at: z.string(), files: z.array(z.string()), gates: z.array(z.string()) }).nullable(),
  createdAt: z.string(),
});
export type Postmortem = z.infer<typeof Postmortem>;

/** A number with nothing behind it is null ("no data"), never 0. */
const Maybe = z.number().nullable();

export const IssueMetrics = z.object({
  issueId: z.string(),
  title: z.string().nullable(),
  labels: z.array(z.string()),
  sessions: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  corrections: z.number().int().nonnegative(),
  costUsd: Maybe,
  successful: z.boolean(),
  failed: z.boolean(),
  firstTimeSuccess: z.boolean(),
  startedAt: z.string().nullable(),
  createdAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  cycleTimeMinutes: Maybe,
  leadTimeMinutes: Maybe,
});
export type IssueMetrics = z.infer<typeof IssueMetrics>;

export const Distribution = z.object({ count: z.number().int().nonnegative(), mean: Maybe, median: Maybe, p90: Maybe, min: Maybe, max: Maybe });
export type Distribution = z.infer<typeof Distribution>;

export const ReviewerMetrics = z.object({ raised: z.number().int(), addressed: z.number().int(), dismissed: z.number().int(), open: z.number().int(), addressedRate: Maybe });
export type ReviewerMetrics = z.infer<typeof ReviewerMetrics>;

export const AggregateMetrics = z.object({
  issues: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  inProgress: z.number().int().nonnegative(),
  cycleTime: Distribution,
  leadTime: Distribution,
  iterations: Distribution,
  retries: z.number().int().nonnegative(),
  issuesWithRetries: z.number().int().nonnegative(),
  corrections: z.number().int().nonnegative(),
  totalCostUsd: Maybe,
  costPerIssue: Maybe,
  costPerSuccess: Maybe,
  successRate: Maybe,
  firstTimeSuccessRate: Maybe,
  reviewers: z.record(z.string(), ReviewerMetrics),
});
export type AggregateMetrics = z.infer<typeof AggregateMetrics>;

export const MetricsSnapshot = z.object({
  schemaVersion: z.literal(LEARNING_SCHEMA_VERSION),
  target: z.object({ type: z.enum(['epic', 'convoy']), id: z.string(), epicId: z.string() }),
  computedAt: z.string(),
  issues: z.array(IssueMetrics),
  aggregate: AggregateMetrics,
  /** Cumulative measured spend after each charge, for the cost chart. */
  costSeries: z.array(z.object({ at: z.string(), cumulativeUsd: z.number() })),
  budgetUsd: Maybe,
});
export type MetricsSnapshot = z.infer<typeof MetricsSnapshot>;

/** `learning:` in .orch/config.yaml. */
export const LearningConfig = z.strictObject({
  /** Rule files to write, relative to the repository top; default: the ones the project has. */
  ruleFiles: z.array(z.string().min(1)).min(1).optional(),
  minConfidence: z.number().min(0).max(1).optional(),
});
export type LearningConfig = z.infer<typeof LearningConfig>;
