import { countWords, lines, uniqueNames, type ParsedTests, type RunnerParser } from './text.ts';

// `3 failed, 2 passed, 1 skipped in 0.45s` (-q) or the same inside `====` rules; `no tests ran in 0.38s`.
const SUMMARY = /^=*\s*((?:\d+ [a-z]+(?:, )?)+|no tests ran) in [\d.]+s\b.*?=*\s*$/;
const SHORT = /^(FAILED|ERROR) (.+?)(?: - .*)?$/; // -rfE / -rA short summary
const VERBOSE = /^(\S+::\S.*?) (FAILED|ERROR)\b/; // -v progress lines

export const pytestParser: RunnerParser = {
  sniff: (text) =>
    /^=+ (test session starts|FAILURES|ERRORS|short test summary info) =+$/m.test(text) ||
    text.split('\n').some((l) => SUMMARY.test(l) && /\b(passed|failed|error|errors|skipped|no tests ran)\b/.test(l)),
  parse(text): ParsedTests {
    const failing: string[] = [];
    let summary: string | undefined;
    for (const line of lines(text)) {
      const s = SUMMARY.exec(line);
      if (s?.[1]) summary = s[1];
      const m = SHORT.exec(line) ?? VERBOSE.exec(line);
      if (!m) continue;
      const id = m[1] === 'FAILED' || m[1] === 'ERROR' ? m[2] : m[1];
      if (id) failing.push(id);
    }
    const result: ParsedTests = { failingTests: uniqueNames(failing) };
    if (summary !== undefined) {
      const c = countWords(summary);
      const get = (...ks: string[]): number => ks.reduce((n, k) => n + (c.get(k) ?? 0), 0);
      const passed = get('passed', 'xpassed');
      const failed = get('failed', 'error', 'errors');
      const skipped = get('skipped', 'xfailed');
      result.counts = { passed, failed, skipped, total: passed + failed + skipped };
    }
    return result;
  },
};
