// Latency of `orch hook <event>` as Claude Code runs it (a new process per call, hook JSON on
// stdin), next to a bare `node -e ''` start (the floor any Node hook pays) and to the same CLI
// unbundled (dist/cli/main.js, ~250 modules), alternating within one run. The promise is < 2 s.
// usage: npm run build && npx tsx bench/hooks/run.ts [--rounds 20]
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchRepo } from '../lib/repo.ts';
import { fmt, median, percentile } from '../lib/stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const ROUNDS = Number(values.rounds);
const ROOT = path.resolve(import.meta.dirname, '../..');
const BUNDLED = [path.join(ROOT, 'bin/orch.js')];
const UNBUNDLED = ['--input-type=module', '-e', `import { main } from ${JSON.stringify(path.join(ROOT, 'dist/cli/main.js'))}; process.exitCode = await main(process.argv.slice(1));`];
const SID = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

function repo(): string {
  const dir = benchRepo('orch-bench-hooks-', Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}.ts`, `export const v${i} = ${i};\n`])));
  writeFileSync(path.join(dir, 'wip.ts'), 'export const wip = 1;\n'); // uncommitted work for the snapshot
  return dir;
}

function assistantLine(i: number): string {
  const message = { id: `msg_${i}`, model: 'claude-sonnet-4-5-20250929', role: 'assistant', usage: { input_tokens: 3000 + i, output_tokens: 80 } };
  return `${JSON.stringify({ type: 'assistant', sessionId: SID, version: '2.1.197', timestamp: new Date().toISOString(), requestId: `req_${i}`, message })}\n`;
}

function timed(args: string[], cwd: string, input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ORCH_EPIC: 'bench' }, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdin.end(input);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e6) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

type Variant = 'node' | 'unbundled' | 'orch';
const EVENTS = ['SessionStart', 'PreToolUse', 'Stop', 'PreCompact', 'SessionEnd'] as const;
const times = new Map<string, number[]>();
const record = (v: Variant, e: string, ms: number): void => void times.set(`${v} ${e}`, [...(times.get(`${v} ${e}`) ?? []), ms]);

const dirs: string[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Each variant gets its own repository and transcript; the order rotates every round.
    const order: Variant[] = (['node', 'unbundled', 'orch'] as Variant[]).map((_, i, a) => a[(i + round) % a.length]!);
    for (const v of order) {
      const dir = repo();
      dirs.push(dir);
      const transcript = path.join(dir, '.transcript.jsonl');
      writeFileSync(transcript, '');
      for (const [i, event] of EVENTS.entries()) {
        appendFileSync(transcript, assistantLine(round * 10 + i));
        const input = JSON.stringify({ session_id: SID, transcript_path: transcript, cwd: dir, hook_event_name: event, source: 'startup', reason: 'exit', trigger: 'auto', tool_name: 'Bash', tool_input: { command: 'ls' } });
        const args = v === 'node' ? ['-e', ''] : [...(v === 'orch' ? BUNDLED : UNBUNDLED), 'hook', event];
        record(v, event, await timed(args, dir, input));
      }
    }
  }
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

console.log(`orch hook latency, ${ROUNDS} rounds, ${os.cpus().length} cores (loadavg ${os.loadavg()[0]!.toFixed(2)})`);
console.log('event          node -e ""    unbundled p50   orch p50 (p95)          orch/node   orch/unbundled');
for (const e of EVENTS) {
  const [n, u, o] = (['node', 'unbundled', 'orch'] as const).map((v) => times.get(`${v} ${e}`) ?? []);
  const line = [
    e.padEnd(14),
    fmt(median(n!)).padEnd(13),
    fmt(median(u!)).padEnd(15),
    `${fmt(median(o!))} (${fmt(percentile(o!, 95))})`.padEnd(23),
    `${(median(o!) / median(n!)).toFixed(2)}x`.padEnd(11),
    `${(median(o!) / median(u!)).toFixed(2)}x`,
  ];
  console.log(line.join(' '));
}
const worst = Math.max(...EVENTS.map((e) => percentile(times.get(`orch ${e}`) ?? [], 95)));
console.log(`slowest orch p95: ${fmt(worst)} of the 2000 ms promise (${((worst / 2000) * 100).toFixed(0)}%)`);
