import { lines, uniqueNames, type ParsedTests, type RunnerParser } from './text.ts';

// libtest prints `test path::name ... FAILED` per test and one `test result:` line per test binary.
const RESULT = /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured; (\d+) filtered out/;
const FAILED = /^test (\S.*?) \.\.\. FAILED\s*$/;

export const cargoTestParser: RunnerParser = {
  sniff: (text) => /^test result: (ok|FAILED)\./m.test(text) || /^running \d+ tests?$/m.test(text),
  parse(text): ParsedTests {
    const failing: string[] = [];
    let seen = false;
    let passed = 0;
    let failed = 0;
    let ignored = 0;
    for (const line of lines(text)) {
      const f = FAILED.exec(line);
      if (f?.[1]) failing.push(f[1]);
      const r = RESULT.exec(line);
      if (!r) continue;
      seen = true;
      passed += Number(r[1]);
      failed += Number(r[2]);
      ignored += Number(r[3]);
    }
    const result: ParsedTests = { failingTests: uniqueNames(failing) };
    if (seen) result.counts = { passed, failed, skipped: ignored, total: passed + failed + ignored };
    return result;
  },
};
