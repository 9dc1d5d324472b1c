import { lines, uniqueNames, type ParsedTests, type RunnerParser } from './text.ts';

// node:test prints the same summary in both reporters: `# tests 6` (TAP) or `ℹ tests 6` (spec).
const SUMMARY = /^[#ℹ] (tests|pass|fail|cancelled|skipped|todo) (\d+)\s*$/;

function summaryCounts(all: string[]): ParsedTests['counts'] {
  const seen = new Map<string, number>();
  for (const line of all) {
    const m = SUMMARY.exec(line);
    if (m?.[1]) seen.set(m[1], Number(m[2])); // the last summary wins (one per run)
  }
  if (!seen.has('tests')) return undefined;
  const get = (k: string): number => seen.get(k) ?? 0;
  return { passed: get('pass'), failed: get('fail') + get('cancelled'), skipped: get('skipped') + get('todo'), total: get('tests') };
}

/** TAP: `# Subtest: name` opens a level (4 spaces per level); `not ok N - name` reports it. */
function tapFailures(all: string[]): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i] ?? '';
    const sub = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (sub) {
      const depth = Math.floor((sub[1] ?? '').length / 4);
      stack.length = depth;
      stack[depth] = sub[2] ?? '';
      continue;
    }
    const nok = /^(\s*)not ok \d+ - (.*?)(\s+# (TODO|SKIP)\b.*)?$/i.exec(line);
    if (!nok || nok[3] !== undefined) continue;
    const indent = (nok[1] ?? '').length;
    // A parent whose children failed carries `failureType: 'subtestsFailed'`: report the children only.
    let parentOnly = false;
    for (let j = i + 1; j < all.length; j++) {
      const y = all[j] ?? '';
      if (y.trim() === '...' || !y.startsWith(' '.repeat(indent + 2))) break;
      if (/^\s*failureType: '?subtestsFailed'?/.test(y)) parentOnly = true;
    }
    if (parentOnly) continue;
    const depth = Math.floor(indent / 4);
    out.push([...stack.slice(0, depth), nok[2] ?? ''].join(' > '));
  }
  return out;
}

/** Spec: `▶ name` opens a suite or parent test, `✖ name (1.2ms)` is a failure (or that parent closing). */
function specFailures(all: string[]): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of all) {
    if (/^✖ failing tests:/.test(line)) break; // the recap repeats failures without their suites
    const open = /^(\s*)▶ (.*)$/.exec(line);
    if (open) {
      const depth = Math.floor((open[1] ?? '').length / 2);
      stack.length = depth;
      stack[depth] = (open[2] ?? '').trim();
      continue;
    }
    const fail = /^(\s*)✖ (.*?) \([\d.]+m?s\)(\s+#.*)?$/.exec(line);
    if (!fail) continue;
    const depth = Math.floor((fail[1] ?? '').length / 2);
    const name = fail[2] ?? '';
    if (stack.length === depth + 1 && stack[depth] === name) {
      stack.length = depth;
      continue;
    }
    stack.length = Math.min(stack.length, depth);
    out.push([...stack.slice(0, depth), name].join(' > '));
  }
  return out;
}

export const nodeTestParser: RunnerParser = {
  sniff: (text) => /^[#ℹ] tests \d+\s*$/m.test(text) && /^[#ℹ] pass \d+\s*$/m.test(text),
  parse(text): ParsedTests {
    const all = lines(text);
    const tap = all.some((l) => /^TAP version \d+/.test(l) || /^\s*(not )?ok \d+ - /.test(l));
    const result: ParsedTests = { failingTests: uniqueNames(tap ? tapFailures(all) : specFailures(all)) };
    const counts = summaryCounts(all);
    if (counts) result.counts = counts;
    return result;
  },
};
