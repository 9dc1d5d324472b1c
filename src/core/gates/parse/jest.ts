import { countWords, lines, uniqueNames, type ParsedTests, type RunnerParser } from './text.ts';

// Jest prints `FAIL path`, then `  ● Suite › test` per failure and a `Tests:` summary line.
const FILE_LINE = /^\s*(PASS|FAIL)\s+(\S.*?)(?:\s+\(\d+(?:\.\d+)?\s*m?s\))?\s*$/;
const BULLET = /^ {2}● (.+?)\s*$/;

export const jestParser: RunnerParser = {
  sniff: (text) => /^Test Suites:\s+.*\d+ total/m.test(text),
  parse(text): ParsedTests {
    const failing: string[] = [];
    let file: string | undefined;
    let summary: string | undefined;
    for (const line of lines(text)) {
      const f = FILE_LINE.exec(line);
      if (f) {
        file = f[1] === 'FAIL' ? f[2] : undefined;
        continue;
      }
      const s = /^Tests:\s+(.+)$/.exec(line);
      if (s) summary = s[1];
      const b = BULLET.exec(line);
      if (!b?.[1] || file === undefined || b[1] === 'Console') continue;
      const title = b[1].split(' › ').join(' > ');
      failing.push(title === 'Test suite failed to run' ? file : `${file} > ${title}`);
    }
    const result: ParsedTests = { failingTests: uniqueNames(failing) };
    if (summary !== undefined) {
      const c = countWords(summary);
      const get = (k: string): number => c.get(k) ?? 0;
      result.counts = { passed: get('passed'), failed: get('failed'), skipped: get('skipped') + get('todo'), total: get('total') };
    }
    return result;
  },
};
