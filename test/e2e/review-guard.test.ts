import { describe, expect, it } from 'vitest';
import { parseReviewConfigText } from '../../src/adapters/review/config.ts';
import { blocks, resolveReviewConfig } from '../../src/core/review/config.ts';
import { REVIEW_EVENT } from '../../src/core/review/events.ts';
import { capDiff, checkQuote, locate, parseDiff } from '../../src/core/review/guard.ts';
import { parseAnswer } from '../../src/core/review/reviewer.ts';
import { reviewEfficacy } from '../../src/core/review/state.ts';
import type { SessionEvent } from '../../src/schema/event.ts';

const DIFF = [
  'diff --git a/src/db.ts b/src/db.ts',
  'index 1111111..2222222 100644',
  '--- a/src/db.ts',
  '+++ b/src/db.ts',
  '@@ -1,3 +1,4 @@',
  ' export function find(id) {',
  '-  return db.get(id);',
  '+  const q = "SELECT * FROM users WHERE id = " + id;',
  '+  return db.raw(q);',
  ' }',
  'diff --git a/old.ts b/old.ts',
  'deleted file mode 100644',
  'index 3333333..0000000',
  '--- a/old.ts',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-export const legacy = eval(input);',
].join('\n');

describe('the quote guard', () => {
  const files = parseDiff(DIFF);

  it('reads files and both sides of their hunks, deleted files included', () => {
    expect(files.map((f) => f.path)).toEqual(['src/db.ts', 'old.ts']);
    expect(files[0]?.after).toEqual(['export function find(id) {', '  const q = "SELECT * FROM users WHERE id = " + id;', '  return db.raw(q);', '}']);
    expect(files[1]?.before).toEqual(['export const legacy = eval(input);']);
  });

  it('accepts verbatim, re-indented, multi-line and +-marked quotes; rejects made-up text, wrong files and trivial quotes', () => {
    expect(checkQuote(files, 'src/db.ts', 'const q = "SELECT * FROM users WHERE id = " + id;')).toMatchObject({ ok: true, path: 'src/db.ts', current: true });
    expect(checkQuote(files, './src/db.ts', '    const q =   "SELECT * FROM users WHERE id = " + id;\n  return db.raw(q);').ok).toBe(true);
    expect(checkQuote(files, 'b/src/db.ts', '+  return db.raw(q);').ok).toBe(true);
    expect(checkQuote(files, 'db.ts', 'return db.raw(q)').ok).toBe(true); // unique suffix
    expect(checkQuote(files, 'old.ts', 'eval(input)')).toMatchObject({ ok: true, current: false });
    expect(checkQuote(files, 'src/db.ts', 'db.query(sql, [id])').ok).toBe(false);
    expect(checkQuote(files, 'src/other.ts', 'return db.raw(q);').ok).toBe(false);
    expect(checkQuote(files, 'src/db.ts', '}').ok).toBe(false);
  });

  it('counts occurrences and finds the line nearest the hint; caps long diffs at a line boundary', () => {
    const content = 'a();\nrun(x);\nb();\n  run(x);\n';
    expect(locate(content, 'run(x);', 4)).toEqual({ occurrences: 2, line: 4 });
    expect(locate(content, 'run(x);', 1)).toEqual({ occurrences: 2, line: 2 });
    expect(locate(null, 'run(x);')).toEqual({ occurrences: 0, line: null });
    expect(capDiff('aaa\nbbb\nccc', 9)).toEqual({ text: 'aaa\nbbb', truncated: true });
  });
});

describe('answers and configuration', () => {
  it('an answer outside the schema is named, never taken as no findings', () => {
    expect(parseAnswer(undefined)).toMatchObject({ ok: false });
    const bad = parseAnswer({ findings: [{ reviewer: 's', severity: 'urgent', file: 'a', line: 1, quote: 'abc', finding: 'f', suggestion: '' }] });
    expect(bad).toEqual({ ok: false, message: expect.stringMatching(/at findings\[0\]\.severity/) as unknown });
    expect(parseAnswer({ findings: [], verdict: 'pass' })).toMatchObject({ ok: false });
    expect(parseAnswer({ findings: [] })).toEqual({ ok: true, findings: [] });
  });

  it('merges the review section with the defaults; a new reviewer needs a prompt; blockOn high blocks high', () => {
    const cfg = parseReviewConfigText('gates: []\nreview:\n  policy: { blockOn: high }\n  reviewers:\n    quality: { blocking: true }\n    perf: { prompt: "Look for slow code." }\n', 'c.yaml');
    const r = resolveReviewConfig(cfg);
    expect(r.reviewers.map((x) => [x.name, x.blocking])).toEqual([['security', true], ['architecture', false], ['quality', true], ['perf', false]]);
    const quality = r.reviewers[2];
    expect(quality && blocks(quality, 'high', r.blockOn)).toBe(true);
    expect(quality && blocks(quality, 'medium', r.blockOn)).toBe(false);
    expect(() => resolveReviewConfig(parseReviewConfigText('review:\n  reviewers:\n    perf: { model: x }\n', 'c.yaml'))).toThrow(/perf: a reviewer that is not built in needs a prompt/);
    expect(() => parseReviewConfigText('review:\n  policy: { blockOn: medium }\n', 'c.yaml')).toThrow(/c\.yaml: review\.policy\.blockOn/);
    expect(parseReviewConfigText('gates: []\n', 'c.yaml')).toBeUndefined();
  });

  it('efficacy: the first verdict on a finding wins; dropped and errors come from the runs', () => {
    let n = 0;
    const ev = (type: string, p: Record<string, unknown>): SessionEvent => ({ id: `ev_${++n}`, at: `2026-01-01T00:00:0${n}Z`, type, sessionId: 's', sessionNumber: 1, ...p });
    const f = (id: string): SessionEvent => ev(REVIEW_EVENT.finding, { findingId: id, reviewer: 'security', severity: 'high', file: 'a.ts', quote: 'x()', match: 'x()', occurrences: 1 });
    const events = [
      f('rvf_1'),
      f('rvf_2'),
      f('rvf_3'),
      ev(REVIEW_EVENT.run, { reviewers: [{ reviewer: 'security', status: 'ok', dropped: 2 }, { reviewer: 'quality', status: 'error', dropped: 0 }] }),
      ev(REVIEW_EVENT.addressed, { findingId: 'rvf_1', commit: 'c1' }),
      ev(REVIEW_EVENT.dismissed, { findingId: 'rvf_1', reason: 'late' }),
      ev(REVIEW_EVENT.dismissed, { findingId: 'rvf_2', reason: 'fp' }),
    ];
    expect(reviewEfficacy(events)).toEqual({
      security: { raised: 3, addressed: 1, dismissed: 1, open: 1, dropped: 2, errors: 0, runs: 1 },
      quality: { raised: 0, addressed: 0, dismissed: 0, open: 0, dropped: 0, errors: 1, runs: 1 },
    });
  });
});
