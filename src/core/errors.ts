/** One error module, one exit-code table (design.md "Conventions"). */
export const EXIT = { ok: 0, negative: 1, usage: 2, conflict: 3, internal: 70 } as const;

export type OrchErrorCode =
  | 'usage'
  | 'invalid_id'
  | 'not_a_repo'
  | 'not_found'
  | 'config_invalid'
  | 'budget_exceeded'
  | 'gate_failed'
  | 'illegal_transition'
  | 'lock_held'
  | 'ref_conflict'
  | 'superseded'
  | 'git_failed'
  | 'corrupt'
  | 'schema_unsupported'
  | 'dirty_worktree'
  | 'agent_missing'
  | 'agent_failed'
  | 'unavailable'
  | 'not_built';

const exitFor: Record<OrchErrorCode, number> = {
  usage: EXIT.usage,
  invalid_id: EXIT.usage,
  not_a_repo: EXIT.usage,
  not_found: EXIT.usage,
  config_invalid: EXIT.usage,
  schema_unsupported: EXIT.usage,
  agent_missing: EXIT.usage,
  not_built: EXIT.usage,
  budget_exceeded: EXIT.negative,
  gate_failed: EXIT.negative,
  agent_failed: EXIT.negative,
  unavailable: EXIT.negative,
  illegal_transition: EXIT.conflict,
  lock_held: EXIT.conflict,
  ref_conflict: EXIT.conflict,
  superseded: EXIT.conflict,
  dirty_worktree: EXIT.conflict,
  git_failed: EXIT.internal,
  corrupt: EXIT.internal,
};

/** A known, expected failure: printed as one line (no stack) with a hint of what to do next. */
export class OrchError extends Error {
  readonly code: OrchErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(code: OrchErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OrchError';
    this.code = code;
    this.exitCode = exitFor[code];
    this.hint = opts.hint;
  }
}

export const isOrchError = (e: unknown): e is OrchError => e instanceof OrchError;

/** An error as one line: an orch error's message and hint ("message — hint"), else the message. */
export const errorLine = (e: unknown): string => (isOrchError(e) ? `${e.message}${e.hint ? ` — ${e.hint}` : ''}` : e instanceof Error ? e.message : String(e));
