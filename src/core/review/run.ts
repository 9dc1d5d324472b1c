import type { AgentAdapter } from '../../adapters/agents/types.ts';
import type { OrchestrationContext } from '../../schema/context.ts';
import { EVENT } from '../../schema/events.ts';
import { usd } from '../budget.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { newId } from '../ports.ts';
import type { Redactor } from '../redact.ts';
import type { EventInput } from '../session/checkpoint.ts';
import { chargeCost } from '../session/context.ts';
import { completeSession } from '../session/finish.ts';
import { startSession } from '../session/start.ts';
import { validateId } from '../validate.ts';
import { blocks, pickReviewers, type ResolvedReviewConfig, type Reviewer } from './config.ts';
import { REVIEW_EVENT, type RecordedFinding, type ReviewerRunSummary } from './events.ts';
import { capDiff, checkQuote, locate, parseDiff, type DiffFile } from './guard.ts';
import { reviewerPrompt } from './prompt.ts';
import { runReviewer, type ReviewerAnswerResult, type ReviewerErrorKind } from './reviewer.ts';

export interface ReviewPorts {
  deps: CoreDeps;
  /** `git diff` from `base` to a snapshot tree of the working files (secrets left out). */
  diff(base: string, tree: string): Promise<string>;
  /** A file's content in a tree or commit; null when it is not there. */
  fileAt(treeish: string, path: string): Promise<string | null>;
  agent: AgentAdapter;
  cwd: string;
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  newAgentSessionId(): string;
  onProgress?(p: { reviewer: string; status: 'started' | 'ok' | 'error'; findings?: number }): void;
  signal?: AbortSignal;
}

export interface ReviewOptions {
  epicId: string;
  /** A resolved commit id: the diff runs from here through HEAD plus uncommitted work. */
  base: string;
  config: ResolvedReviewConfig;
  /** `--reviewers a,b`; null = all configured. */
  only: readonly string[] | null;
}

export interface ReviewError {
  reviewer: string;
  kind: ReviewerErrorKind;
  message: string;
}

export interface ReviewResult {
  epicId: string;
  /** null when nothing was reviewed (empty diff). */
  reviewId: string | null;
  sessionId: string | null;
  base: string;
  head: string | null;
  files: string[];
  empty: boolean;
  truncated: boolean;
  reviewers: ReviewerRunSummary[];
  findings: RecordedFinding[];
  blocking: RecordedFinding[];
  errors: ReviewError[];
  /** Findings dropped by the hallucination guard (quote not in the diff). */
  dropped: number;
  costUsd: number;
  /** No reviewer errored and nothing blocks. */
  ok: boolean;
}

interface Ran {
  reviewer: Reviewer;
  answer: ReviewerAnswerResult;
}

/**
 * Review the epic's diff: every reviewer runs in parallel in a reviewer session of the epic (so its
 * cost counts against the epic budget), findings pass the quote guard, and everything is recorded.
 */
export async function runReview(ports: ReviewPorts, o: ReviewOptions): Promise<ReviewResult> {
  const { deps } = ports;
  const epicId = validateId('epic', o.epicId);
  const reviewers = pickReviewers(o.config.reviewers, o.only);
  if (reviewers.length === 0) throw new OrchError('config_invalid', 'no reviewers are enabled', { hint: 'enable one in the review section of .orch/config.yaml' });
  if (!deps.workspace) throw new OrchError('usage', 'peer review needs a git work tree');
  const snap = await deps.workspace.snapshot();
  if (snap.snapshotTree === null) throw new OrchError('git_failed', 'could not snapshot the working files for the review');
  const tree = snap.snapshotTree;
  const raw = ports.redactor.redact(await ports.diff(o.base, tree));
  const capped = capDiff(raw, o.config.maxDiffChars);
  const files = parseDiff(capped.text);
  const base: ReviewResult = {
    epicId, reviewId: null, sessionId: null, base: o.base, head: snap.head, files: files.map((f) => f.path), empty: raw.trim() === '', truncated: capped.truncated,
    reviewers: [], findings: [], blocking: [], errors: [], dropped: 0, costUsd: 0, ok: true,
  };
  if (base.empty) return base;

  // Resumed so the epic's task and notes carry through: the next brief must not read "task: peer review".
  const start = await startSession(deps, { epicId, resume: true, concurrent: true });
  const reviewId = newId(deps.ids, 'rv');
  // Each reviewer gets an equal share of what is left, so together they stay within the budget.
  const share = start.budget.remaining === null ? null : usd(Math.max(0, start.budget.remaining) / reviewers.length);
  const ran: Ran[] = await Promise.all(
    reviewers.map(async (reviewer): Promise<Ran> => {
      ports.onProgress?.({ reviewer: reviewer.name, status: 'started' });
      const prompt = reviewerPrompt({ reviewer, epicId, base: o.base, head: snap.head, diff: capped.text, truncated: capped.truncated });
      const answer = await runReviewer(reviewer, {
        agent: ports.agent, cwd: ports.cwd, env: ports.env, agentSessionId: ports.newAgentSessionId(), prompt, config: o.config, maxBudgetUsd: share,
        ...(ports.signal ? { signal: ports.signal } : {}),
      });
      ports.onProgress?.({ reviewer: reviewer.name, status: answer.status, ...(answer.status === 'ok' ? { findings: answer.findings.length } : {}) });
      return { reviewer, answer };
    }),
  );

  let context: OrchestrationContext = start.context;
  const events: EventInput[] = [];
  const result: ReviewResult = { ...base, reviewId, sessionId: start.session.id };
  const at = deps.clock.now().toISOString();
  for (const { reviewer, answer } of ran) {
    const outcome = answer.outcome;
    const cost = outcome?.costUsd ?? null;
    if (outcome) {
      // Measured cost, charged like any session's; unknown stays unknown (counted), never 0.
      context = cost !== null ? chargeCost(context, cost) : { ...context, unpricedCalls: context.unpricedCalls + 1 };
      const models = Object.fromEntries(Object.entries(outcome.modelUsage).map(([m, u]) => [m, u.costUsd]));
      events.push({ type: EVENT.costCharged, amount: cost, source: `review:${reviewer.name}`, models });
      result.costUsd = usd(result.costUsd + (cost ?? 0));
    }
    const summary: ReviewerRunSummary = { reviewer: reviewer.name, status: answer.status, findings: 0, dropped: 0, costUsd: cost, error: null };
    if (answer.status === 'error') {
      summary.error = answer.message;
      result.errors.push({ reviewer: reviewer.name, kind: answer.kind, message: answer.message });
      events.push({ type: REVIEW_EVENT.error, reviewId, reviewer: reviewer.name, kind: answer.kind, message: answer.message, failure: outcome?.failure ?? null, subtype: outcome?.subtype ?? null });
    } else {
      for (const f of answer.findings) {
        const rec = await guardFinding(ports, files, reviewer, f, { reviewId, head: snap.head, tree, at, sessionNumber: start.session.number, blockOn: o.config.blockOn });
        if (!rec) {
          summary.dropped++;
          continue;
        }
        summary.findings++;
        result.findings.push(rec);
        if (rec.blocking) result.blocking.push(rec);
        events.push({ ...findingPayload(rec), type: REVIEW_EVENT.finding });
      }
    }
    result.dropped += summary.dropped;
    result.reviewers.push(summary);
  }

  // Blocking findings become blockers: the next brief lists them under what didn't work.
  for (const f of result.blocking) {
    const text = `review ${f.findingId} (${f.reviewer}, ${f.severity}) ${f.file}:${f.line}: ${f.finding}${f.suggestion ? ` — suggestion: ${f.suggestion}` : ''}`;
    context = { ...context, blockers: [...context.blockers, { at, sessionNumber: start.session.number, text: ports.redactor.redact(text), source: `review:${f.reviewer}` }] };
    events.push({ type: EVENT.note, kind: 'blocker', text, findingId: f.findingId });
  }
  result.ok = result.errors.length === 0 && result.blocking.length === 0;
  events.push({
    type: REVIEW_EVENT.run, reviewId, base: o.base, head: snap.head, tree, files: result.files, diffChars: capped.text.length, truncated: capped.truncated,
    reviewers: result.reviewers, blocked: result.blocking.length > 0, blocking: result.blocking.map((f) => f.findingId), errors: result.errors.length, dropped: result.dropped,
  });
  const allFailed = result.errors.length === reviewers.length;
  const summary = `review ${reviewId}: ${result.findings.length} finding(s), ${result.blocking.length} blocking, ${result.errors.length} reviewer error(s), ${result.dropped} dropped`;
  await completeSession(deps, start.session, context, allFailed ? 'failure' : result.errors.length > 0 ? 'partial' : 'success', summary, ports.redactor.redactDeep(events));
  return result;
}

/** A finding as stored: `at` and the session number come with the event itself. */
function findingPayload(f: RecordedFinding): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...f };
  delete payload.at;
  delete payload.sessionNumber;
  return payload;
}

interface Seen {
  reviewId: string;
  head: string | null;
  tree: string;
  at: string;
  sessionNumber: number;
  blockOn: ResolvedReviewConfig['blockOn'];
}

/** A finding that passes the quote guard, located in the reviewed file; null = dropped. */
async function guardFinding(ports: ReviewPorts, files: readonly DiffFile[], reviewer: Reviewer, f: { severity: RecordedFinding['severity']; file: string; line: number; quote: string; finding: string; suggestion: string }, s: Seen): Promise<RecordedFinding | null> {
  const check = checkQuote(files, f.file, f.quote);
  if (!check.ok || check.path === null || check.quote === null) return null;
  // Removed code is not in the file any more: such a finding cannot be addressed by a later change.
  const where = check.current ? locate(await ports.fileAt(s.tree, check.path), check.quote, f.line) : { occurrences: 0, line: null };
  return {
    findingId: newId(ports.deps.ids, 'rvf'),
    reviewId: s.reviewId,
    reviewer: reviewer.name,
    severity: f.severity,
    file: check.path,
    line: where.line ?? f.line,
    quote: f.quote,
    match: check.quote,
    finding: f.finding,
    suggestion: f.suggestion,
    blocking: blocks(reviewer, f.severity, s.blockOn),
    head: s.head,
    tree: s.tree,
    occurrences: where.occurrences,
    at: s.at,
    sessionNumber: s.sessionNumber,
  };
}
