import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { genaiPriceTable } from '../prices/genai-prices.ts';
import { claudeProjectDirs, findTranscripts } from './discover.ts';
import { scanTranscripts } from './scan-files.ts';

const fixtureProjects = path.resolve('test/fixtures/transcripts/projects');
const sonnet = (out: number) => (10 * 3 + 100 * 3.75 + 1000 * 0.3 + out * 15) / 1e6;

describe('claudeProjectDirs', () => {
  it('uses a comma-separated CLAUDE_CONFIG_DIR, else XDG and ~/.claude', () => {
    expect(claudeProjectDirs({ CLAUDE_CONFIG_DIR: '/a, /b/projects' }, '/home/u')).toEqual(['/a/projects', '/b/projects']);
    expect(claudeProjectDirs({}, '/home/u')).toEqual(['/home/u/.config/claude/projects', '/home/u/.claude/projects']);
    expect(claudeProjectDirs({ XDG_CONFIG_HOME: '/x' }, '/home/u')[0]).toBe('/x/claude/projects');
  });
});

describe('scanTranscripts', () => {
  it('finds nested transcripts once, skipping missing dirs and non-jsonl files', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'orch-scan-'));
    mkdirSync(path.join(root, 'projects', '-p', 'sess', 'subagents'), { recursive: true });
    writeFileSync(path.join(root, 'projects', '-p', 'sess', 'subagents', 'agent-1.jsonl'), '');
    writeFileSync(path.join(root, 'projects', '-p', 'sess.jsonl'), '');
    writeFileSync(path.join(root, 'projects', '-p', 'notes.txt'), '');
    const files = await findTranscripts([path.join(root, 'projects'), path.join(root, 'projects'), path.join(root, 'missing')]);
    expect(files.map((f) => [path.relative(root, f.path), f.project, f.sessionId])).toEqual([
      ['projects/-p/sess.jsonl', '-p', 'sess'],
      ['projects/-p/sess/subagents/agent-1.jsonl', '-p', 'agent-1'],
    ]);
  });

  it('dedupes across files, prices by the table, and reports days, sessions, models and cost-state', async () => {
    const res = await scanTranscripts({ projectsDirs: [fixtureProjects], prices: genaiPriceTable() });
    const { report } = res;
    expect(res).toMatchObject({ files: 2, usageLines: 9, malformedLines: 1, invalidLines: 1, unreadable: [] });
    // msg_1 (max copy: 50 out), msg_2 (also replayed by the fork), msg_3, msg_5 (its sidechain copy dropped), msg_6.
    expect(report.totals).toMatchObject({ requests: 5, inputTokens: 50, outputTokens: 200, cacheCreationTokens: 500, cacheReadTokens: 5000, unpricedRequests: 1, unpricedModels: ['my-local-model'] });
    expect(report.totals.costUsd).toBeCloseTo(sonnet(50) + sonnet(20) + 1.25 + sonnet(60), 12);
    expect(report.daily.map((d) => [d.date, d.requests])).toEqual([
      ['2026-03-01', 2],
      ['2026-03-02', 1],
      ['2026-03-03', 2],
    ]);
    expect(report.daily[1]?.costUsd).toBeNull(); // only the unknown model that day
    expect(report.sessions.map((s) => [s.sessionId, s.requests, s.reportedCostUsd])).toEqual([
      ['sess-a', 4, 0.75],
      ['sess-fork', 1, null],
    ]);
    expect(report.projects).toHaveLength(1);
    expect(report.models.map((m) => m.model)).toEqual(['claude-sonnet-4-5-20250929', 'my-local-model']);
  });

  it('applies --since and calculate mode', async () => {
    const res = await scanTranscripts({ projectsDirs: [fixtureProjects], prices: genaiPriceTable(), since: '20260303', mode: 'calculate' });
    expect(res.report.totals.requests).toBe(2);
    expect(res.report.totals.costUsd).toBeCloseTo(sonnet(40) + sonnet(60), 12);
    await expect(scanTranscripts({ projectsDirs: [fixtureProjects], prices: genaiPriceTable(), since: 'soon' })).rejects.toThrow(/--since/);
  });

  it('gives the same report with any concurrency and file layout order', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'orch-scan-'));
    cpSync(fixtureProjects, path.join(root, 'projects'), { recursive: true });
    const a = await scanTranscripts({ projectsDirs: [path.join(root, 'projects')], prices: genaiPriceTable(), concurrency: 1 });
    const b = await scanTranscripts({ projectsDirs: [path.join(root, 'projects')], prices: genaiPriceTable(), concurrency: 8 });
    expect(b.report).toEqual(a.report);
  });
});
