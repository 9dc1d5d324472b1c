import os from 'node:os';
import path from 'node:path';
import { genaiPriceTable } from '../../../adapters/prices/genai-prices.ts';
import { claudeProjectDirs } from '../../../adapters/transcripts/discover.ts';
import { scanTranscripts } from '../../../adapters/transcripts/scan-files.ts';
import type { CostMode, Totals } from '../../../core/cost/scan.ts';
import { OrchError } from '../../../core/errors.ts';
import { output, type CommonOptions } from '../../io.ts';
import { money, table } from '../../render/format.ts';

interface Opts extends CommonOptions {
  since?: string;
  until?: string;
  dir?: string[];
  mode: CostMode;
  tz?: string;
}

const tokens = (n: number): string => n.toLocaleString('en-US');
const cost = (t: Totals): string => (t.costUsd === null ? 'unknown' : `${money(t.costUsd)}${t.unpricedRequests ? ` + ${t.unpricedRequests} unpriced` : ''}`);

/** Spend over Claude Code transcripts (interactive use included), daily, per session and per project. */
export async function run(o: Opts): Promise<number> {
  if (!['auto', 'calculate', 'display'].includes(o.mode)) throw new OrchError('usage', `invalid --mode ${JSON.stringify(o.mode)}: auto, calculate or display`);
  const dirs = o.dir?.length ? o.dir.map((d) => path.resolve(o.cwd ?? process.cwd(), d)) : claudeProjectDirs(process.env, os.homedir());
  const res = await scanTranscripts({
    projectsDirs: dirs,
    prices: genaiPriceTable(),
    mode: o.mode,
    ...(o.since ? { since: o.since } : {}),
    ...(o.until ? { until: o.until } : {}),
    ...(o.tz ? { timeZone: o.tz } : {}),
  });
  output(o, { ...res, projectsDirs: dirs }, (d) => {
    const r = d.report;
    const row = (label: string, t: Totals): string[] => [label, String(t.requests), tokens(t.inputTokens), tokens(t.outputTokens), tokens(t.cacheCreationTokens), tokens(t.cacheReadTokens), cost(t)];
    const head = ['', 'CALLS', 'INPUT', 'OUTPUT', 'CACHE WRITE', 'CACHE READ', 'COST'];
    return [
      `${d.files} transcript file(s) in ${d.projectsDirs.join(', ') || '(none found)'}; ${d.malformedLines} malformed line(s) skipped`,
      '',
      table([...r.daily.map((x) => row(x.date, x)), row('total', r.totals)], ['DAY', ...head.slice(1)]),
      '',
      table(r.projects.map((x) => row(x.project, x)), ['PROJECT', ...head.slice(1)]),
      '',
      table(
        [...r.sessions].sort((a, b) => (b.costUsd ?? 0) - (a.costUsd ?? 0)).slice(0, 20).map((x) => row(x.sessionId, x)),
        ['SESSION (top 20 by cost)', ...head.slice(1)],
      ),
      ...(r.totals.unpricedModels.length ? ['', `unpriced models (cost unknown, not $0): ${r.totals.unpricedModels.join(', ')}`] : []),
    ].join('\n');
  });
  return 0;
}
