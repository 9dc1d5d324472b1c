import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { IdSource } from '../core/ports.ts';

/**
 * Crypto-random fractions in [0, 1) from a pooled buffer. The ulid package's own default asks
 * webcrypto for one byte per character (16 calls per id); under a convoy's load that was ~18 ms of
 * the dispatcher's thread per issue. Two bytes per character keep the 32 symbols uniform.
 */
function pooledPrng(): () => number {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 2 > pool.length) {
      pool = randomBytes(4096);
      at = 0;
    }
    const v = pool.readUInt16BE(at);
    at += 2;
    return v / 65536;
  };
}

/** Monotonic ULIDs: ids made in the same millisecond still sort in creation order. */
export function ulidIds(now: () => number = Date.now): IdSource {
  const next = monotonicFactory(pooledPrng());
  return { ulid: () => next(now()) };
}

/** Deterministic, sortable ids for tests: `00000000000000000000000001`, … */
export function sequentialIds(): IdSource {
  let n = 0;
  return { ulid: () => String(++n).padStart(26, '0') };
}
