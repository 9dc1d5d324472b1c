/** Small helpers shared by the benchmarks: percentiles and a fixed-width report. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

export function fmt(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

export async function timeIt(fn: () => unknown): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
