import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsHtml } from '../../src/core/learning/html.ts';
import type { MetricsSnapshot } from '../../src/schema/learning.ts';
import { orch } from '../support/cli.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

const CHROMIUM = ['chromium', 'chromium-browser'].find((b) => spawnSync(b, ['--version'], { encoding: 'utf8' }).status === 0) ?? null;

/** Test-only probe: after layout, the size of every chart mark, written into the DOM that --dump-dom prints. */
const PROBE = `<script>addEventListener('load',()=>{const o={};for(const s of document.querySelectorAll('svg[data-chart]')){o[s.dataset.chart]=[...s.querySelectorAll('polyline,rect,line.budget-line')].map(e=>{const b=e.getBBox();return [e.getAttribute('class'),Math.round(b.width),Math.round(b.height)]})}const p=document.createElement('pre');p.id='probe';p.textContent=JSON.stringify(o);document.body.append(p)})</script>`;

function render(html: string): { dom: string; probe: Record<string, [string, number, number][]> } {
  const dir = tempDir('orch-chromium-');
  const file = path.join(dir, 'report.html');
  writeFileSync(file, html.replace('</body>', `${PROBE}</body>`));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${path.join(dir, 'profile')}`, '--dump-dom', `file://${file}`];
  const r = spawnSync(CHROMIUM!, args, { encoding: 'utf8', timeout: 25_000 });
  expect(r.status, r.stderr).toBe(0);
  const m = /<pre id="probe">(.*?)<\/pre>/.exec(r.stdout);
  expect(m, 'the probe ran: the page loaded and laid out').not.toBeNull();
  return { dom: r.stdout, probe: JSON.parse(m![1]!.replace(/&quot;/g, '"')) as Record<string, [string, number, number][]> };
}

describe.skipIf(!CHROMIUM)('HTML metrics report in headless Chromium', () => {
  it('one self-contained file; the cost (with budget), cycle-time and reviewer charts are drawn with real sizes', () => {
    const dir = gitRepo({ 'README.md': '# app\n' });
    g(dir, 'fetch', '-q', path.resolve(import.meta.dirname, '../fixtures/learning/recorded.bundle'), 'refs/orchestration/*:refs/orchestration/*');
    expect(orch(dir, ['metrics', 'report', 'fixing', '--format', 'html', '--output', 'm.html']).code).toBe(0);
    const html = readFileSync(path.join(dir, 'm.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//); // nothing external, no script of its own
    const recorded = render(html);
    expect(recorded.probe.cost?.map(([c]) => c)).toEqual(['budget-line', 'cost-line']);
    expect(recorded.probe.cost?.every(([, w]) => w > 100)).toBe(true);
    expect(recorded.probe.cycle?.length).toBeGreaterThan(0);
    expect(recorded.dom).toContain('<p class="no-data" data-chart="reviewers">no data</p>');

    const snap = JSON.parse(orch(dir, ['metrics', 'epic', 'fixing', '--json']).stdout).metrics as MetricsSnapshot;
    snap.aggregate.reviewers = { security: { raised: 4, addressed: 2, dismissed: 1, open: 1, addressedRate: 0.5 }, quality: { raised: 2, addressed: 0, dismissed: 0, open: 2, addressedRate: 0 } };
    snap.issues = [10, 20, 25, 90].map((c, i) => ({ ...snap.issues[0]!, issueId: `i${i}`, cycleTimeMinutes: c }));
    const full = render(metricsHtml(snap));
    expect(full.probe.reviewers?.map(([c]) => c)).toEqual(['seg seg-open', 'seg seg-addressed', 'seg seg-dismissed', 'seg seg-open']);
    expect(full.probe.reviewers?.every(([, w, h]) => w > 0 && h > 0)).toBe(true);
    expect(full.probe.cycle?.filter(([, , h]) => h > 0)).toHaveLength(3); // 10, 20 and 25 share low bins; 90 stands alone
  });
});
