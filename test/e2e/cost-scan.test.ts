import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orch } from '../support/cli.ts';
import { tempDir } from '../support/repo.ts';

const FIXTURES = path.resolve('test/fixtures/transcripts/projects');

describe('orch cost scan', () => {
  it('totals Claude Code transcripts per day, project and session; malformed lines counted; unknown prices never $0', () => {
    const r = orch(tempDir(), ['cost', 'scan', '--dir', FIXTURES, '--tz', 'UTC', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = r.json() as { malformedLines: number; report: { totals: { requests: number; unpricedRequests: number; costUsd: number }; daily: { date: string }[]; sessions: unknown[] } };
    expect(d.malformedLines).toBe(1);
    expect(d.report.totals.requests).toBe(5);
    expect(d.report.totals.unpricedRequests).toBe(1);
    expect(d.report.daily.map((x) => x.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    const text = orch(tempDir(), ['cost', 'scan', '--dir', FIXTURES, '--tz', 'UTC']).stdout;
    expect(text).toMatch(/2026-03-02 +1 .* unknown/);
    expect(text).toMatch(/total .*\+ 1 unpriced/);
  });

  it('filters with --since and rejects a bad date with exit 2', () => {
    const since = orch(tempDir(), ['cost', 'scan', '--dir', FIXTURES, '--tz', 'UTC', '--since', '2026-03-03', '--json']).json() as { report: { daily: { date: string }[] } };
    expect(since.report.daily.map((x) => x.date)).toEqual(['2026-03-03']);
    const bad = orch(tempDir(), ['cost', 'scan', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
