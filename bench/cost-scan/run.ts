/**
 * Times our transcript cost scan against ccusage 18.0.11 on the same corpus, alternating runs.
 *   npx tsx bench/cost-scan/run.ts [--size MB=1024] [--runs 5] [--corpus DIR] [--ccusage-prefix DIR]
 * The corpus is generated (generate.ts) when DIR has none; ccusage is installed with
 * `npm install --prefix <DIR> ccusage@18.0.11` when missing (never into this repo).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : (args[i + 1] ?? dflt);
};
const sizeMb = Number(flag('--size', '1024'));
const runs = Number(flag('--runs', '5'));
const corpus = path.resolve(flag('--corpus', path.join(here, '..', '.out', `cost-scan-${sizeMb}mb`)));
const prefix = path.resolve(flag('--ccusage-prefix', path.join(os.tmpdir(), 'orch-bench-ccusage-18.0.11')));
const ccusageBin = path.join(prefix, 'node_modules', 'ccusage', 'dist', 'index.js');

function sh(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): { out: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { out: r.stdout, ms };
}

if (!existsSync(path.join(corpus, 'projects'))) {
  console.error(`generating ${sizeMb} MB corpus in ${corpus} …`);
  sh(process.execPath, ['--import', 'tsx', path.join(here, 'generate.ts'), corpus, String(sizeMb)]);
}
if (!existsSync(ccusageBin)) {
  console.error(`installing ccusage@18.0.11 into ${prefix} …`);
  sh('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', 'ccusage@18.0.11']);
}

// Same files, same day boundaries (ccusage buckets days in the local zone).
const env = { ...process.env, CLAUDE_CONFIG_DIR: corpus, TZ: 'UTC' };
// The built CLI, as a user runs it (npm run build first).
const ours = (): { out: string; ms: number } => sh(process.execPath, [path.join(here, '../../bin/orch.js'), 'cost', 'scan', '--tz', 'UTC', '--json'], env);
const theirs = (): { out: string; ms: number } => sh(process.execPath, [ccusageBin, 'daily', '--json', '--offline'], env);

interface Day { date: string; inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number }
const tokenKeys = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;
const dayKey = (d: Day): string => `${d.date} ${tokenKeys.map((k) => d[k]).join(' ')}`;

// Warm the page cache once for each, and keep these outputs for the comparison.
const scanned = JSON.parse(ours().out) as { report: { totals: Day & { totalTokens: number; costUsd: number | null }; daily: Day[] }; bytes: number; files: number };
const o = { ...scanned.report, bytes: scanned.bytes, files: scanned.files };
const c = JSON.parse(theirs().out) as { totals: Day & { totalTokens: number; totalCost: number }; daily: Day[] };

const times = { ours: [] as number[], ccusage: [] as number[] };
for (let i = 0; i < runs; i++) {
  // Alternate who goes first so neither always gets the warmer cache.
  const order = i % 2 === 0 ? (['ours', 'ccusage'] as const) : (['ccusage', 'ours'] as const);
  for (const who of order) times[who].push((who === 'ours' ? ours() : theirs()).ms);
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const totalsEqual = tokenKeys.every((k) => o.totals[k] === c.totals[k]) && o.totals.totalTokens === c.totals.totalTokens;
const daysEqual = o.daily.map(dayKey).join('\n') === c.daily.map(dayKey).join('\n');
const mo = median(times.ours);
const mc = median(times.ccusage);
console.log(`corpus: ${corpus} (${(o.bytes / 2 ** 20).toFixed(0)} MiB, ${o.files} files), ${runs} alternating runs, node ${process.version}`);
console.log('tokens        ' + tokenKeys.join(' / ') + ' / total');
console.log(`  orch        ${tokenKeys.map((k) => o.totals[k]).join(' / ')} / ${o.totals.totalTokens}`);
console.log(`  ccusage     ${tokenKeys.map((k) => c.totals[k]).join(' / ')} / ${c.totals.totalTokens}`);
console.log(`  identical   totals: ${totalsEqual ? 'yes' : 'NO'}, per day (${o.daily.length} days): ${daysEqual ? 'yes' : 'NO'}`);
console.log(`cost USD      orch ${o.totals.costUsd?.toFixed(2) ?? 'unknown'} (genai-prices)  ccusage ${c.totals.totalCost.toFixed(2)} (LiteLLM offline)`);
console.log(`median wall   orch ${(mo / 1000).toFixed(2)} s  ccusage ${(mc / 1000).toFixed(2)} s  ratio ccusage/orch ${(mc / mo).toFixed(2)}x`);
console.log(`runs (ms)     orch [${times.ours.map(Math.round).join(', ')}]  ccusage [${times.ccusage.map(Math.round).join(', ')}]`);
if (!totalsEqual || !daysEqual) process.exitCode = 1;
