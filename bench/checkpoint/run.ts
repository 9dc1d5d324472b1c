// Checkpoint latency next to a bare `git commit -a` of the same change, and `orch session status`
// on an epic with 1,000 checkpoints next to `node -e 0`. Prints ratios (the machine is noisy).
// usage: npx tsx bench/checkpoint/run.ts [--files 5000] [--modified 50] [--rounds 30] [--checkpoints 1000]
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openGitDeps } from '../../src/adapters/open.ts';
import { writeCheckpoint } from '../../src/core/session/checkpoint.ts';
import { startSession } from '../../src/core/session/start.ts';
import { fmt, median, percentile, timeIt } from '../lib/stats.ts';

const { values } = parseArgs({
  options: { files: { type: 'string', default: '5000' }, modified: { type: 'string', default: '50' }, rounds: { type: 'string', default: '30' }, checkpoints: { type: 'string', default: '1000' } },
});
const FILES = Number(values.files);
const MODIFIED = Number(values.modified);
const ROUNDS = Number(values.rounds);
const CHECKPOINTS = Number(values.checkpoints);
const BIN = path.resolve(import.meta.dirname, '../../bin/orch.js');

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', '-c', 'gc.auto=0', ...args], { cwd, encoding: 'utf8' });

function makeRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orch-bench-'));
  git(dir, 'init', '-q', '-b', 'main');
  for (let i = 0; i < FILES; i++) {
    const sub = path.join(dir, `pkg${i % 50}`, `mod${i % 7}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `file${i}.ts`), `// file ${i}\n${'export const x = 1;\n'.repeat(40)}`);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/**
 * Two identical repositories get the same 50-file change each round: orch checkpoints one, git
 * commits the other. Separate repositories, so neither finds objects the other already wrote.
 * The order alternates between rounds.
 */
async function checkpointVsCommit(orchDir: string, gitDir: string): Promise<void> {
  const { deps } = await openGitDeps(orchDir);
  const { session, context } = await startSession(deps, { epicId: 'bench', resume: false });
  const orchMs: number[] = [];
  const gitMs: number[] = [];
  const timeOrch = async (r: number): Promise<void> => {
    orchMs.push(await timeIt(() => writeCheckpoint(deps, session, context, { trigger: 'manual', reason: `round ${r}` })));
  };
  const timeGit = async (r: number): Promise<void> => {
    gitMs.push(await timeIt(() => spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', '-c', 'gc.auto=0', 'commit', '-a', '-q', '-m', `round ${r}`], { cwd: gitDir })));
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const dir of [orchDir, gitDir]) {
      for (let k = 0; k < MODIFIED; k++) {
        const i = (r * 97 + k * 101) % FILES;
        appendFileSync(path.join(dir, `pkg${i % 50}`, `mod${i % 7}`, `file${i}.ts`), `// round ${r}\n`);
      }
    }
    if (r % 2 === 0) await timeOrch(r).then(() => timeGit(r));
    else await timeGit(r).then(() => timeOrch(r));
  }
  const ratio = median(orchMs) / median(gitMs);
  console.log(`checkpoint (${FILES} files, ${MODIFIED} modified per round, ${ROUNDS} rounds, separate identical repos)`);
  console.log(`  orch checkpoint   p50 ${fmt(median(orchMs))}  p99 ${fmt(percentile(orchMs, 99))}`);
  console.log(`  git commit -a     p50 ${fmt(median(gitMs))}  p99 ${fmt(percentile(gitMs, 99))}`);
  console.log(`  ratio of medians  ${ratio.toFixed(2)}x (target <= 1.5x)`);
  // Each round's two timings were taken back to back on the same change: their ratio cancels the
  // machine's drift between rounds (shown beside the target's ratio, not instead of it).
  const paired = orchMs.map((o, r) => o / gitMs[r]!);
  console.log(`  per-round ratio   p50 ${median(paired).toFixed(2)}x  p25 ${percentile(paired, 25).toFixed(2)}x  p75 ${percentile(paired, 75).toFixed(2)}x`);
}

async function statusVsNode(dir: string): Promise<void> {
  const { deps } = await openGitDeps(dir);
  const { session, context } = await startSession(deps, { epicId: 'big', resume: false });
  for (let i = 1; i < CHECKPOINTS; i++) await writeCheckpoint(deps, session, context, { trigger: 'manual', reason: `c${i}`, snapshot: false });
  const orchMs: number[] = [];
  const nodeMs: number[] = [];
  for (let r = 0; r < 20; r++) {
    nodeMs.push(await timeIt(() => spawnSync(process.execPath, ['-e', '0'])));
    orchMs.push(
      await timeIt(() => {
        const res = spawnSync(process.execPath, [BIN, 'session', 'status', '--epic', 'big'], { cwd: dir, encoding: 'utf8' });
        if (res.status !== 0) throw new Error(res.stderr);
      }),
    );
  }
  console.log(`orch session status on an epic with ${CHECKPOINTS} checkpoints (20 alternating runs)`);
  console.log(`  orch session status p50 ${fmt(median(orchMs))}`);
  console.log(`  node -e 0           p50 ${fmt(median(nodeMs))}`);
  console.log(`  ratio of medians    ${(median(orchMs) / median(nodeMs)).toFixed(2)}x (target <= 4x)`);
}

const dir = makeRepo();
const twin = `${dir}-git`;
cpSync(dir, twin, { recursive: true });
try {
  await checkpointVsCommit(dir, twin);
  await statusVsNode(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(twin, { recursive: true, force: true });
}
