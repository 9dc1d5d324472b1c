// One `orch run` session next to a bare `claude -p` on the same scripted model, alternating runs;
// prints the ratio of medians (target <= 1.25x).
// usage: npx tsx bench/run-overhead/run.ts [--runs 8]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveClaudeBin } from '../../src/adapters/agents/claude-code-bin.ts';
import { claudeDoubleEnv, startModelDouble, turn } from '../../src/adapters/model-double/index.ts';
import { fmt, median } from '../lib/stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '8' } } });
const RUNS = Number(values.runs);
const ORCH = path.resolve(import.meta.dirname, '../../bin/orch.js');
const TASK = 'Write notes.md, then check it with cat.';

const double = await startModelDouble({
  default: {
    turns: [
      turn.write('notes.md', '# notes\n', { input: 3000, output: 80 }),
      turn.bash('cat notes.md', { input: 3200, output: 40 }),
      turn.text('Done.\nORCH_DONE', { input: 3300, output: 20 }),
    ],
  },
});
const hermetic = claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0 });
const { env } = hermetic;

function freshRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orch-bench-run-'));
  spawnSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  writeFileSync(path.join(dir, 'README.md'), '# bench\n');
  spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', 'add', '-A'], { cwd: dir });
  spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'init'], { cwd: dir });
  return dir;
}

function timed(cmd: string, args: string[], cwd: string, input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    if (input !== undefined) child.stdin?.end(input);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e6) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

const claude = resolveClaudeBin(env);
const bare: number[] = [];
const orch: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const a = freshRepo();
    const b = freshRepo();
    const runBare = (): Promise<void> =>
      timed(claude, ['-p', '--output-format', 'stream-json', '--verbose', '--allowedTools', 'Write', 'Bash', 'Read'], a, TASK).then((ms) => {
        bare.push(ms);
      });
    const runOrch = (): Promise<void> =>
      timed(process.execPath, [ORCH, 'run', '--epic', 'bench', '--max-sessions', '1', '--no-gates', '--allowed-tools', 'Write,Bash,Read', TASK], b).then((ms) => {
        orch.push(ms);
      });
    if (i % 2 === 0) await runBare().then(runOrch);
    else await runOrch().then(runBare);
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
} finally {
  await double.close();
  hermetic.cleanup();
}
console.log(`one session, the same 3-call script (${RUNS} alternating runs each)`);
console.log(`  bare claude -p   p50 ${fmt(median(bare))}`);
console.log(`  orch run         p50 ${fmt(median(orch))}`);
console.log(`  ratio of medians ${(median(orch) / median(bare)).toFixed(2)}x (target <= 1.25x)`);
