import { monotonicFactory } from 'ulid';
import type { IdSource } from '../core/ports.ts';

/** Prefixed monotonic ULIDs: ids made in the same millisecond still sort in creation order. */
export function ulidIds(now: () => number = Date.now): IdSource {
  const next = monotonicFactory();
  return { next: (kind) => `${kind}_${next(now())}` };
}

/** Deterministic ids for tests: `kind_0001`, `kind_0002`, … */
export function sequentialIds(): IdSource {
  let n = 0;
  return { next: (kind) => `${kind}_${String(++n).padStart(4, '0')}` };
}
