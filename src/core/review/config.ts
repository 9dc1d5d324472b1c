import type { BlockOn, ReviewConfig, ReviewerConfigEntry, Severity } from '../../schema/review.ts';
import { OrchError } from '../errors.ts';

/** A reviewer ready to run: built-in defaults merged with the `review:` section of the config. */
export interface Reviewer {
  name: string;
  prompt: string;
  model: string | null;
  blocking: boolean;
}

export interface ResolvedReviewConfig {
  reviewers: Reviewer[];
  blockOn: BlockOn;
  timeoutMs: number;
  stallMs: number;
  allowedTools: string[];
  maxDiffChars: number;
}

const DEFAULT_PROMPTS: Record<string, { prompt: string; blocking: boolean }> = {
  security: {
    blocking: true,
    prompt:
      'You are a security reviewer. Look for injection (SQL, shell, path), unsafe eval or deserialisation, secrets in code, missing authentication or authorisation checks, unsafe defaults, and data exposed in logs or errors. Rate exploitable problems critical or high.',
  },
  architecture: {
    blocking: false,
    prompt:
      'You are an architecture reviewer. Look for layering violations, hidden coupling, duplicated responsibilities, leaky abstractions, and changes that make the design harder to extend or test.',
  },
  quality: {
    blocking: false,
    prompt:
      'You are a code quality reviewer. Look for bugs, unhandled errors, race conditions, dead code, misleading names, missing tests for changed behaviour, and needless complexity.',
  },
};

export const DEFAULT_REVIEWERS = Object.keys(DEFAULT_PROMPTS);

/** Defaults, overridden per reviewer by the config; reviewers of the config that are not built in need a prompt. */
export function resolveReviewConfig(cfg: ReviewConfig | undefined): ResolvedReviewConfig {
  const entries: Record<string, ReviewerConfigEntry> = { ...Object.fromEntries(DEFAULT_REVIEWERS.map((n) => [n, {}])), ...cfg?.reviewers };
  const reviewers: Reviewer[] = [];
  for (const [name, e] of Object.entries(entries)) {
    if (e.enabled === false) continue;
    const builtIn = DEFAULT_PROMPTS[name];
    const prompt = e.prompt ?? builtIn?.prompt;
    if (prompt === undefined) {
      throw new OrchError('config_invalid', `review.reviewers.${name}: a reviewer that is not built in needs a prompt`, {
        hint: `built-in reviewers: ${DEFAULT_REVIEWERS.join(', ')}`,
      });
    }
    reviewers.push({ name, prompt, model: e.model ?? null, blocking: e.blocking ?? builtIn?.blocking ?? false });
  }
  return {
    reviewers,
    blockOn: cfg?.policy?.blockOn ?? 'critical',
    timeoutMs: Math.round((cfg?.timeoutSeconds ?? 600) * 1000),
    stallMs: Math.round((cfg?.stallSeconds ?? 300) * 1000),
    allowedTools: cfg?.allowedTools ?? ['Read', 'Grep', 'Glob'],
    maxDiffChars: cfg?.maxDiffChars ?? 200_000,
  };
}

/** Only the reviewers asked for (`--reviewers a,b`); an unknown name is a usage error. */
export function pickReviewers(all: readonly Reviewer[], names: readonly string[] | null): Reviewer[] {
  if (names === null) return [...all];
  const unknown = names.filter((n) => !all.some((r) => r.name === n));
  if (unknown.length > 0) {
    throw new OrchError('usage', `unknown reviewer${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, { hint: `configured: ${all.map((r) => r.name).join(', ') || 'none'}` });
  }
  return all.filter((r) => names.includes(r.name));
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** A blocking reviewer's finding at or above the policy's severity blocks the work. */
export const blocks = (reviewer: Reviewer, severity: Severity, blockOn: BlockOn): boolean => reviewer.blocking && RANK[severity] <= RANK[blockOn];
