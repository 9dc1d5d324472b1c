import type { TestCounts } from '../../../schema/gate-run.ts';

/** What a runner parser extracts; `counts` only when the runner printed a summary. */
export interface ParsedTests {
  counts?: TestCounts;
  failingTests: string[];
}

export interface RunnerParser {
  /** Does this output look like it came from this runner? */
  sniff(text: string): boolean;
  parse(text: string): ParsedTests;
}

// CSI (colors, cursor moves) and OSC (hyperlinks, titles) sequences.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Strip ANSI and apply carriage returns the way a terminal would (progress bars keep their last state). */
export function cleanOutput(text: string): string {
  return text
    .replace(ANSI, '')
    .split('\n')
    .map((line) => {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      const cr = l.lastIndexOf('\r');
      return cr === -1 ? l : l.slice(cr + 1);
    })
    .join('\n');
}

/** The last `max` characters, starting at a line boundary when something was cut. */
export function tailText(text: string, max = 4096): string {
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const nl = cut.indexOf('\n');
  return nl === -1 || nl === cut.length - 1 ? cut : cut.slice(nl + 1);
}

export const MAX_FAILING = 500;

/** Dedupe, keep first-seen order, cap the list so one broken suite cannot bloat the document. */
export function uniqueNames(names: Iterable<string>): string[] {
  return [...new Set(names)].slice(0, MAX_FAILING);
}

export function lines(text: string): string[] {
  return text.split('\n');
}

/** `3 failed, 2 passed` / `3 failed | 2 passed` → { failed: 3, passed: 2 }. */
export function countWords(s: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of s.matchAll(/(\d+) ([a-z][a-z ]*?)(?=\s*(?:[,|;(]|$))/gi)) {
    const key = (m[2] ?? '').trim().toLowerCase();
    out.set(key, (out.get(key) ?? 0) + Number(m[1]));
  }
  return out;
}
