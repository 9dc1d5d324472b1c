import { countWords, lines, uniqueNames, type ParsedTests, type RunnerParser } from './text.ts';

// Vitest 4 default reporter: summary `Tests  2 failed | 3 passed | 1 skipped (6)` and one
// ` FAIL  file > suite > test` header per failure (` FAIL  file [ file ]` for a suite that failed to load).
const TESTS_LINE = /^\s*Tests\s{2,}(.+?)\s*\((\d+)\)\s*$/;
const FAIL_LINE = /^\s*FAIL\s+(.+?)\s*$/;

export const vitestParser: RunnerParser = {
  sniff: (text) => /^\s*Test Files\s{2,}\d+ (passed|failed)/m.test(text),
  parse(text): ParsedTests {
    const failing: string[] = [];
    let summary: RegExpExecArray | undefined;
    for (const line of lines(text)) {
      const t = TESTS_LINE.exec(line);
      if (t) summary = t;
      const f = FAIL_LINE.exec(line);
      if (f?.[1]) failing.push(f[1].replace(/\s+\[ .* \]$/, ''));
    }
    const result: ParsedTests = { failingTests: uniqueNames(failing) };
    if (summary) {
      const c = countWords(summary[1] ?? '');
      const get = (k: string): number => c.get(k) ?? 0;
      result.counts = {
        passed: get('passed') + get('expected fail'),
        failed: get('failed'),
        skipped: get('skipped') + get('todo'),
        total: Number(summary[2]),
      };
    }
    return result;
  },
};
