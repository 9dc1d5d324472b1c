import type { AgentAdapter, AgentEvent, AgentOutcome } from '../../adapters/agents/types.ts';
import { ReviewerAnswer, reviewerAnswerJsonSchema, type ReviewFindingInput } from '../../schema/review.ts';
import type { Reviewer, ResolvedReviewConfig } from './config.ts';

export type ReviewerErrorKind = 'crash' | 'timeout' | 'schema' | 'budget';

/** What one reviewer run produced: its findings, or why there are none. Never "passed" by default. */
export type ReviewerAnswerResult =
  | { status: 'ok'; findings: ReviewFindingInput[]; outcome: AgentOutcome }
  | { status: 'error'; kind: ReviewerErrorKind; message: string; outcome: AgentOutcome | null };

export interface LaunchReviewer {
  agent: AgentAdapter;
  cwd: string;
  env: NodeJS.ProcessEnv;
  agentSessionId: string;
  prompt: string;
  config: ResolvedReviewConfig;
  maxBudgetUsd: number | null;
  signal?: AbortSignal;
}

/** The tool Claude Code offers the model for a `--json-schema` answer. */
const STRUCTURED_TOOL = 'StructuredOutput';

const clip = (s: string, n = 500): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Why an agent run gave no usable answer, or null when it ended normally. */
function failureOf(o: AgentOutcome): { kind: ReviewerErrorKind; message: string } | null {
  const said = o.errors.length > 0 ? `: ${clip(o.errors.join('; '))}` : '';
  if (o.failure === 'timeout' || o.failure === 'stalled') return { kind: 'timeout', message: `reviewer ${o.failure === 'timeout' ? 'timed out' : 'stalled'} and was stopped${said}` };
  if (o.failure !== null) return { kind: 'crash', message: `reviewer run failed (${o.failure})${said}` };
  if (o.subtype === 'error_max_budget_usd') return { kind: 'budget', message: `reviewer stopped at its budget share${said}` };
  if (!o.ok) return { kind: 'crash', message: `reviewer run ended in an error${o.subtype === 'success' ? '' : ` (${o.subtype})`}${said || (o.resultText ? `: ${clip(o.resultText)}` : '')}` };
  return null;
}

/** Where a zod issue is, as `findings[0].severity`. */
const where = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(answer)';

/** Validate an answer against the same schema the agent was given. */
export function parseAnswer(structured: unknown): { ok: true; findings: ReviewFindingInput[] } | { ok: false; message: string } {
  if (structured === undefined || structured === null) return { ok: false, message: 'the reviewer gave no structured answer (no valid StructuredOutput call)' };
  const r = ReviewerAnswer.safeParse(structured);
  if (r.success) return { ok: true, findings: r.data.findings };
  const issue = r.error.issues[0];
  return { ok: false, message: `the reviewer's answer fails the schema at ${where(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}` };
}

/** Run one reviewer through the agent adapter with structured output. */
export async function runReviewer(reviewer: Reviewer, l: LaunchReviewer): Promise<ReviewerAnswerResult> {
  let outcome: AgentOutcome;
  // The agent's own schema check rejects a bad answer before it reaches us: keep why, for the error.
  const structuredCalls = new Set<string>();
  let rejected: string | null = null;
  const onEvent = (e: AgentEvent): void => {
    if (e.type === 'tool_use' && e.name === STRUCTURED_TOOL) structuredCalls.add(e.id);
    else if (e.type === 'tool_result' && e.isError && structuredCalls.has(e.toolUseId)) rejected = e.content;
  };
  try {
    outcome = await l.agent.launch({
      prompt: l.prompt,
      cwd: l.cwd,
      env: l.env,
      limits: {
        timeoutMs: l.config.timeoutMs,
        stallMs: l.config.stallMs,
        ...(l.maxBudgetUsd !== null ? { maxBudgetUsd: l.maxBudgetUsd } : {}),
      },
      agentSession: { mode: 'new', id: l.agentSessionId },
      jsonSchema: reviewerAnswerJsonSchema(),
      allowedTools: l.config.allowedTools,
      ...(reviewer.model !== null ? { model: reviewer.model } : {}),
      ...(l.signal ? { signal: l.signal } : {}),
      onEvent,
    });
  } catch (e) {
    return { status: 'error', kind: 'crash', message: `reviewer could not run: ${clip(e instanceof Error ? e.message : String(e))}`, outcome: null };
  }
  const failed = failureOf(outcome);
  if (failed) return { status: 'error', ...failed, outcome };
  const parsed = parseAnswer(outcome.structuredOutput);
  if (!parsed.ok) {
    const why = rejected === null ? '' : `; its last answer was rejected: ${clip(rejected, 300)}`;
    return { status: 'error', kind: 'schema', message: `${parsed.message}${why}`, outcome };
  }
  return { status: 'ok', findings: parsed.findings, outcome };
}
