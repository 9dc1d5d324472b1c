import { monotonicFactory } from 'ulid';
import type { IdSource } from '../core/ports.ts';

/** Monotonic ULIDs: ids made in the same millisecond still sort in creation order. */
export function ulidIds(now: () => number = Date.now): IdSource {
  const next = monotonicFactory();
  return { ulid: () => next(now()) };
}

/** Deterministic, sortable ids for tests: `00000000000000000000000001`, … */
export function sequentialIds(): IdSource {
  let n = 0;
  return { ulid: () => String(++n).padStart(26, '0') };
}
