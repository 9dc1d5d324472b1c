import { lines, uniqueNames, type ParsedTests, type RunnerParser } from './text.ts';

// `go test` prints `--- FAIL: TestX/sub (0.00s)` per result (PASS/SKIP only with -v), then one
// `ok  \tpkg\t0.01s` / `FAIL\tpkg\t0.01s` / `FAIL\tpkg [build failed]` line per package.
const RESULT = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(/;
const PKG = /^(ok|FAIL) *\t(\S+)(?: \[(build failed|setup failed)\])?/;

interface Outcome {
  pkg: string | undefined;
  name: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
}

export const goTestParser: RunnerParser = {
  sniff: (text) => /^(\s*--- (PASS|FAIL|SKIP): \S+ \(|=== RUN\s|ok\s+\S+\s+[\d.]+s|FAIL\t\S+)/m.test(text),
  parse(text): ParsedTests {
    const outcomes: Outcome[] = [];
    const broken: string[] = [];
    let pending: Outcome[] = [];
    let verbose = false;
    for (const line of lines(text)) {
      if (/^=== RUN\s/.test(line)) verbose = true;
      const r = RESULT.exec(line);
      if (r?.[1] && r[2]) {
        const o: Outcome = { pkg: undefined, name: r[2], status: r[1] as Outcome['status'] };
        outcomes.push(o);
        pending.push(o);
        continue;
      }
      const p = PKG.exec(line);
      if (p?.[2]) {
        for (const o of pending) o.pkg = p[2]; // a package's results precede its status line
        pending = [];
        if (p[3]) broken.push(`${p[2]} [${p[3]}]`);
      }
    }
    // A parent fails with its subtest: count and name leaves only.
    const names = new Set(outcomes.map((o) => `${o.pkg ?? ''}\0${o.name}`));
    const isParent = (o: Outcome): boolean => [...names].some((n) => n.startsWith(`${o.pkg ?? ''}\0${o.name}/`));
    const leaves = outcomes.filter((o) => !isParent(o));
    const qualify = (o: Outcome): string => (o.pkg ? `${o.pkg} > ${o.name}` : o.name);
    const result: ParsedTests = { failingTests: uniqueNames([...broken, ...leaves.filter((o) => o.status === 'FAIL').map(qualify)]) };
    // Without -v only failures are printed, so a count would undercount passes.
    if (verbose) {
      const n = (s: Outcome['status']): number => leaves.filter((o) => o.status === s).length;
      result.counts = { passed: n('PASS'), failed: n('FAIL'), skipped: n('SKIP'), total: leaves.length };
    }
    return result;
  },
};
