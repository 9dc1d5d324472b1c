import type { Distribution } from '../../schema/learning.ts';

/** Rounded for storage and display; the arithmetic itself is done on the raw values. */
export const round = (x: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Ascending, in a total order: a typed array's sort puts -0 before +0, where `(a, b) => a - b`
 * calls them equal and leaves them in input order — a median then depended on the order of its
 * input (found by the property test: [-0, 0, 5e-324]).
 */
const ascending = (values: readonly number[]): Float64Array => Float64Array.from(values).sort();

/** Nearest-rank percentile (p in (0, 100]); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = ascending(values);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Median as the mean of the two middle values for an even count; null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = ascending(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** A ratio with nothing under it is "no data", not 0. */
export const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

export function distribution(values: readonly (number | null)[]): Distribution {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  const r = (x: number | null): number | null => (x === null ? null : round(x, 2));
  return {
    count: v.length,
    mean: r(mean(v)),
    median: r(median(v)),
    p90: r(percentile(v, 90)),
    min: r(v.length ? Math.min(...v) : null),
    max: r(v.length ? Math.max(...v) : null),
  };
}

export const minutesBetween = (from: string | null, to: string | null): number | null => {
  if (!from || !to) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) && b >= a ? (b - a) / 60_000 : null;
};
