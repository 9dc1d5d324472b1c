/**
 * Our scanner as a CLI, for the benchmark: prints the report totals as JSON.
 *   CLAUDE_CONFIG_DIR=<corpus> npx tsx bench/cost-scan/scan.ts [--since YYYYMMDD] [--concurrency N]
 */
import os from 'node:os';
import { genaiPriceTable } from '../../src/adapters/prices/genai-prices.ts';
import { claudeProjectDirs } from '../../src/adapters/transcripts/discover.ts';
import { scanTranscripts } from '../../src/adapters/transcripts/scan-files.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const since = flag('--since');
const concurrency = Number(flag('--concurrency') ?? 4);

const t0 = performance.now();
const res = await scanTranscripts({
  projectsDirs: claudeProjectDirs(process.env, os.homedir()),
  prices: genaiPriceTable(),
  concurrency,
  ...(since === undefined ? {} : { since }),
});
const scanMs = performance.now() - t0;
const { totals, daily } = res.report;
console.log(
  JSON.stringify({
    files: res.files,
    bytes: res.bytes,
    usageLines: res.usageLines,
    malformedLines: res.malformedLines,
    invalidLines: res.invalidLines,
    scanMs: Math.round(scanMs),
    totals,
    daily: daily.map((d) => ({
      date: d.date,
      inputTokens: d.inputTokens,
      outputTokens: d.outputTokens,
      cacheCreationTokens: d.cacheCreationTokens,
      cacheReadTokens: d.cacheReadTokens,
      costUsd: d.costUsd,
    })),
  }),
);
