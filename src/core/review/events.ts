import type { SessionEvent } from '../../schema/event.ts';
import { SEVERITIES, type Severity } from '../../schema/review.ts';

/**
 * Events peer review records. Findings, runs and errors go with the reviewer session's checkpoint;
 * addressed and dismissed go on the epic record (they happen later, often with no session open).
 */
export const REVIEW_EVENT = {
  /** { reviewId, base, head, tree, files, diffChars, truncated, reviewers: ReviewerRunSummary[], blocked, blocking: findingId[] } */
  run: 'review.run',
  /** { findingId, reviewId, reviewer, severity, file, line, quote, match, finding, suggestion, blocking, head, tree, occurrences } */
  finding: 'review.finding',
  /** { reviewId, reviewer, kind: 'crash'|'timeout'|'schema'|'budget', message, failure, subtype } */
  error: 'review.error',
  /** { findingId, reviewId, reviewer, commit } — a later commit changed the quoted lines */
  addressed: 'review.addressed',
  /** { findingId, reviewId, reviewer, reason } — a human called it a false positive */
  dismissed: 'review.dismissed',
} as const;

export interface ReviewerRunSummary {
  reviewer: string;
  status: 'ok' | 'error';
  findings: number;
  /** Findings dropped because their quote is not in the diff (hallucination guard). */
  dropped: number;
  costUsd: number | null;
  error: string | null;
}

/** A finding as recorded (after the guard), with where it was seen. */
export interface RecordedFinding {
  findingId: string;
  reviewId: string;
  reviewer: string;
  severity: Severity;
  file: string;
  line: number;
  /** The quote as the reviewer gave it (redacted). */
  quote: string;
  /** The normalised form that matched the diff: what later changes are checked against. */
  match: string;
  finding: string;
  suggestion: string;
  blocking: boolean;
  /** HEAD and working-tree snapshot the review saw. */
  head: string | null;
  tree: string | null;
  /** How often the quote occurs in the reviewed file: fewer later means the quoted lines changed. */
  occurrences: number;
  at: string;
  sessionNumber: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A `review.finding` event read back; null when it is not one or lacks what a finding needs. */
export function findingOf(e: SessionEvent): RecordedFinding | null {
  if (e.type !== REVIEW_EVENT.finding) return null;
  const findingId = str(e.findingId);
  const reviewer = str(e.reviewer);
  const severity = str(e.severity);
  const file = str(e.file);
  const quote = str(e.quote);
  const match = str(e.match);
  if (!findingId || !reviewer || !file || !quote || !match || !severity || !(SEVERITIES as readonly string[]).includes(severity)) return null;
  return {
    findingId,
    reviewId: str(e.reviewId) ?? '',
    reviewer,
    severity: severity as Severity,
    file,
    line: num(e.line) ?? 0,
    quote,
    match,
    finding: str(e.finding) ?? '',
    suggestion: str(e.suggestion) ?? '',
    blocking: e.blocking === true,
    head: str(e.head),
    tree: str(e.tree),
    occurrences: num(e.occurrences) ?? 0,
    at: e.at,
    sessionNumber: e.sessionNumber,
  };
}
