import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { cleanOutput, parseTestOutput, sniffRunner, tailText } from './index.ts';

const fixture = (name: string): string =>
  cleanOutput(readFileSync(new URL(`../../../../test/fixtures/gates/${name}`, import.meta.url), 'utf8'));

describe('vitest 4 default reporter', () => {
  test('failing run with colors: counts from the Tests line, names from FAIL headers', () => {
    const text = fixture('vitest-fail.ansi.txt');
    expect(sniffRunner(text)).toBe('vitest');
    expect(parseTestOutput(text, 'auto')).toEqual({
      runner: 'vitest',
      counts: { passed: 3, failed: 2, skipped: 1, total: 6 },
      failingTests: ['a.test.js > math > subtracts wrongly', 'b.test.js > b fails'],
    });
  });
  test('a suite that fails to load is named by its file', () => {
    const r = parseTestOutput(fixture('vitest-suite-error.txt'), 'vitest');
    expect(r?.failingTests).toEqual(['c.test.js', 'a.test.js > math > subtracts wrongly', 'b.test.js > b fails']);
    expect(r?.counts).toEqual({ passed: 3, failed: 2, skipped: 1, total: 6 });
  });
  test('passing run with a todo', () => {
    expect(parseTestOutput(fixture('vitest-pass.txt'), 'auto')).toEqual({
      runner: 'vitest',
      counts: { passed: 1, failed: 0, skipped: 1, total: 2 },
      failingTests: [],
    });
  });
});

describe('jest', () => {
  test('default reporter, several files, a suite that failed to run', () => {
    const text = fixture('jest.txt');
    expect(sniffRunner(text)).toBe('jest');
    expect(parseTestOutput(text, 'auto')).toEqual({
      runner: 'jest',
      counts: { passed: 3, failed: 2, skipped: 2, total: 7 },
      failingTests: ['src/math.test.js > math > subtracts wrongly', 'src/math.test.js > top fails', 'src/broken.test.js'],
    });
  });
  test('verbose single-file output with a duration after the file', () => {
    const r = parseTestOutput(fixture('jest-verbose.txt'), 'auto');
    expect(r?.failingTests).toEqual(['./math.test.js > math > subtracts wrongly', './math.test.js > top fails']);
    expect(r?.counts).toEqual({ passed: 2, failed: 2, skipped: 2, total: 6 });
  });
});

describe('node:test', () => {
  // 9 tests: math{adds, subtracts wrongly ✖, skipped, todo}, top level ok, top fails ✖, parent ✖{child ok, child bad ✖}
  const expected = {
    runner: 'node-test',
    counts: { passed: 3, failed: 4, skipped: 2, total: 9 },
    failingTests: ['math > subtracts wrongly', 'top fails', 'parent > child bad'],
  };
  test('spec reporter: suites qualify names, the recap is not double counted', () => {
    const text = fixture('node-test-spec.txt');
    expect(sniffRunner(text)).toBe('node-test');
    expect(parseTestOutput(text, 'auto')).toEqual(expected);
  });
  test('tap reporter gives the same answer; parents failing through children are not listed', () => {
    expect(parseTestOutput(fixture('node-test-tap.txt'), 'auto')).toEqual(expected);
  });
});

describe('pytest', () => {
  const failing = ['test_a.py::test_bad', 'test_a.py::TestK::test_method_bad', 'test_a.py::test_param[2]'];
  test('-q', () => {
    const text = fixture('pytest-q.txt');
    expect(sniffRunner(text)).toBe('pytest');
    expect(parseTestOutput(text, 'auto')).toEqual({ runner: 'pytest', counts: { passed: 2, failed: 3, skipped: 1, total: 6 }, failingTests: failing });
  });
  test('-rA (PASSED lines are not failures)', () => {
    expect(parseTestOutput(fixture('pytest-ra.txt'), 'auto')).toEqual({ runner: 'pytest', counts: { passed: 2, failed: 3, skipped: 1, total: 6 }, failingTests: failing });
  });
  test('errors count as failures, xfail as skipped, warnings are not tests', () => {
    const text = ['ERROR tests/test_b.py - ModuleNotFoundError: No module named x', '1 failed, 4 passed, 1 xfailed, 1 error, 2 warnings in 1.20s'].join('\n');
    expect(parseTestOutput(text, 'pytest')).toEqual({ runner: 'pytest', counts: { passed: 4, failed: 2, skipped: 1, total: 7 }, failingTests: ['tests/test_b.py'] });
  });
  test('no tests collected', () => {
    expect(parseTestOutput('\nno tests ran in 0.38s\n', 'auto')).toEqual({ runner: 'pytest', counts: { passed: 0, failed: 0, skipped: 0, total: 0 }, failingTests: [] });
  });
});

describe('go test', () => {
  test('-v: leaves only, names qualified by package, build failures listed', () => {
    const text = fixture('go-test-v.txt');
    expect(sniffRunner(text)).toBe('go-test');
    expect(parseTestOutput(text, 'auto')).toEqual({
      runner: 'go-test',
      counts: { passed: 3, failed: 2, skipped: 1, total: 6 },
      failingTests: ['example.com/demo/broken [build failed]', 'example.com/demo > TestSub', 'example.com/demo > TestTable/two'],
    });
  });
  test('without -v: failures but no counts (passes are not printed)', () => {
    expect(parseTestOutput(fixture('go-test.txt'), 'auto')).toEqual({ runner: 'go-test', failingTests: ['example.com/demo > TestSub'] });
  });
});

describe('cargo test', () => {
  test('sums every test binary, ignored counts as skipped', () => {
    const text = fixture('cargo-test.txt');
    expect(sniffRunner(text)).toBe('cargo-test');
    expect(parseTestOutput(text, 'auto')).toEqual({
      runner: 'cargo-test',
      counts: { passed: 2, failed: 2, skipped: 1, total: 5 },
      failingTests: ['tests::panics', 'tests::subtracts_wrongly'],
    });
  });
});

describe('output cleaning', () => {
  test('no runner recognised → no counts', () => {
    expect(parseTestOutput('src/a.ts(3,1): error TS2304: Cannot find name x.\n', 'auto')).toBeUndefined();
    expect(parseTestOutput(fixture('vitest-pass.txt'), 'none')).toBeUndefined();
  });
  test('ANSI and carriage-return progress are removed', () => {
    expect(cleanOutput('\u001b[32m✓\u001b[39m ok\r\n10%\r50%\r100%\n\u001b]8;;http://x\u0007link\u001b]8;;\u0007')).toBe('✓ ok\n100%\nlink');
  });
  test('tail keeps the end and starts on a line boundary', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
    const t = tailText(text, 100);
    expect(t.length).toBeLessThanOrEqual(100);
    expect(t.endsWith('line 999')).toBe(true);
    expect(t.split('\n')[0]).toMatch(/^line \d+$/);
    expect(tailText('short', 100)).toBe('short');
  });
});
