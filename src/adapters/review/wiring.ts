import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../../core/deps.ts';
import { nullSink } from '../../core/ports.ts';
import { createRedactor } from '../../core/redact.ts';
import type { ResolvedReviewConfig } from '../../core/review/config.ts';
import type { RecordedFinding } from '../../core/review/events.ts';
import { detectAddressed, epicReviewEvents } from '../../core/review/followup.ts';
import { runReview, type ReviewPorts, type ReviewResult } from '../../core/review/run.ts';
import { reviewEfficacy, type ReviewerEfficacy } from '../../core/review/state.ts';
import type { CheckpointStore } from '../../core/store.ts';
import { validateId } from '../../core/validate.ts';
import { createClaudeCodeAdapter } from '../agents/claude-code.ts';
import type { AgentAdapter } from '../agents/types.ts';
import { systemClock } from '../clock.ts';
import type { RepoInfo } from '../git/repo.ts';
import { ulidIds } from '../ids.ts';
import { credentialValues } from '../run-wiring.ts';
import { loadReviewConfig } from './config.ts';
import { diffToTree, fileAt, reviewBase, reviewHistory } from './git.ts';

export interface ReviewEpicOptions {
  /** Start of the diff; default: the HEAD recorded at the epic's first checkpoint. */
  base?: string | null;
  /** Only these reviewers (`--reviewers a,b`). */
  reviewers?: readonly string[] | null;
  /** Default: `review:` of .orch/config.yaml merged with the built-in reviewers. */
  config?: ResolvedReviewConfig;
  /** Default: Claude Code. */
  agent?: AgentAdapter;
  /** Environment of the reviewer agents; default process.env. */
  env?: NodeJS.ProcessEnv;
  onProgress?: ReviewPorts['onProgress'];
  signal?: AbortSignal;
}

export interface ReviewEpicResult extends ReviewResult {
  /** Findings of earlier reviews that commits since have addressed (found before this review ran). */
  addressed: { findingId: string; reviewer: string; commit: string }[];
}

/** `orch review run`: mark earlier findings addressed, then review the epic's diff with every reviewer. */
export async function reviewEpic(deps: CoreDeps, repo: RepoInfo, epicIdRaw: string, o: ReviewEpicOptions = {}): Promise<ReviewEpicResult> {
  const epicId = validateId('epic', epicIdRaw);
  const config = o.config ?? (await loadReviewConfig(repo.top)).config;
  const base = await reviewBase(repo, deps.store, epicId, o.base);
  const addressed = (await deps.store.getEpic(epicId)) ? await detectAddressed(deps, reviewHistory(repo), epicId) : [];
  const env = o.env ?? process.env;
  const ports: ReviewPorts = {
    deps,
    diff: (from, tree) => diffToTree(repo, from, tree),
    fileAt: (treeish, path) => fileAt(repo, treeish, path),
    agent: o.agent ?? createClaudeCodeAdapter(),
    cwd: repo.top,
    env,
    redactor: createRedactor({ values: credentialValues(env) }),
    newAgentSessionId: randomUUID,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const result = await runReview(ports, { epicId, base, config, only: o.reviewers ?? null });
  return { ...result, addressed };
}

export interface ReviewGateResult {
  /** Nothing blocks and every reviewer answered (an empty diff passes: there is nothing to review). */
  ok: boolean;
  blocking: RecordedFinding[];
  /** Why it may not go on, in one line (empty when ok). */
  reason: string;
  result: ReviewEpicResult;
}

/** For the convoy merge queue and `orch run`: review the diff from `base` and say whether it may go on. */
export async function reviewGate(deps: CoreDeps, repo: RepoInfo, epicId: string, base: string | null, o: Omit<ReviewEpicOptions, 'base'> = {}): Promise<ReviewGateResult> {
  const result = await reviewEpic(deps, repo, epicId, { ...o, base });
  const why = result.blocking.map((f) => `${f.reviewer} ${f.severity} ${f.file}:${f.line} ${f.finding}`).join('; ');
  return { ok: result.ok, blocking: result.blocking, reason: result.ok ? '' : why || 'a reviewer failed', result };
}

/** Store-only callers (metrics) get the system clock and ids for the events they record. */
function depsOf(x: CoreDeps | CheckpointStore): CoreDeps {
  return 'store' in x ? x : { store: x, workspace: null, clock: systemClock, ids: ulidIds(), events: nullSink };
}

/** Mark findings whose quoted lines a later commit changed as addressed; returns those newly marked. */
export function reviewAddressed(depsOrStore: CoreDeps | CheckpointStore, repo: RepoInfo, epicId: string): ReturnType<typeof detectAddressed> {
  return detectAddressed(depsOf(depsOrStore), reviewHistory(repo), epicId);
}

/** Reviewer efficacy per reviewer ({ raised, addressed, dismissed, open, dropped, errors, runs }), addressed detection first. */
export async function loadReviewEfficacy(depsOrStore: CoreDeps | CheckpointStore, repo: RepoInfo, epicId: string): Promise<Record<string, ReviewerEfficacy>> {
  const deps = depsOf(depsOrStore);
  await detectAddressed(deps, reviewHistory(repo), epicId);
  return reviewEfficacy(await epicReviewEvents(deps, epicId));
}
