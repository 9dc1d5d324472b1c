// Listing an epic's sessions (workers do it three times per issue, hooks on every tool call): orch's
// listSessions (ref files + the long-lived object reader) against the git process it replaced, one
// `for-each-ref` with the trailers, side by side in one run, alternating.
// usage: npx tsx bench/sessions/run.ts [--sessions 100] [--rounds 40]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openGitDeps } from '../../src/adapters/open.ts';
import { startSession } from '../../src/core/session/start.ts';
import { benchRepo } from '../lib/repo.ts';
import { fmt, median, timeIt } from '../lib/stats.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '100' }, rounds: { type: 'string', default: '40' } } });
const S = Number(values.sessions);
const R = Number(values.rounds);

const dir = benchRepo('orch-bench-sessions-');
try {
  const { deps, store, repo } = await openGitDeps(dir);
  for (let i = 0; i < S; i++) await startSession(deps, { epicId: 'bench', resume: false, concurrent: true });
  const forEachRef = (): void => {
    const r = spawnSync('git', ['for-each-ref', '--format=%(objectname)%1f%(contents:trailers:only,unfold)%1e', 'refs/orchestration/bench/sessions/'], { cwd: dir });
    if (r.status !== 0) throw new Error(String(r.stderr));
  };
  const cpu = (): number => {
    const u = process.resourceUsage();
    return (u.userCPUTime + u.systemCPUTime) / 1000;
  };
  // A fresh store each round (as each worker job opens one); the parsed commits stay in the process.
  const ours: number[] = [];
  const theirs: number[] = [];
  let oursCpu = 0;
  let theirsCpu = 0;
  if ((await store.listSessions('bench')).length !== S) throw new Error('sessions missing');
  for (let r = 0; r < R; r++) {
    let c = cpu();
    ours.push(await timeIt(async () => (await openGitDeps(dir, { repo })).store.listSessions('bench')));
    oursCpu += cpu() - c;
    c = cpu();
    theirs.push(await timeIt(forEachRef));
    theirsCpu += cpu() - c; // the parent's side of the spawn only: git's own CPU is not in it
  }
  console.log(`list ${S} sessions, ${R} rounds each, alternating`);
  console.log(`  orch listSessions (ref files + object reader): p50 ${fmt(median(ours))}, this process's CPU ${fmt(oursCpu / R)} per call`);
  console.log(`  git for-each-ref with trailers (a process):    p50 ${fmt(median(theirs))}, this process's CPU ${fmt(theirsCpu / R)} per call (+ git's own)`);
  console.log(`  ratio orch / for-each-ref (p50 wall): ${(median(ours) / median(theirs)).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
