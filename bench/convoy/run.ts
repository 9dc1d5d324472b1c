// A convoy of N issues worked by an instant command agent, with 8 workers and with 1; no gates.
// Prints the orchestration overhead per issue and the speed-up.
// usage: npx tsx bench/convoy/run.ts [--issues 100] [--workers 8] [--poll SECONDS (the runner's tick; a worker's exit wakes it at once)]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchRepo } from '../lib/repo.ts';
import { fmt, median } from '../lib/stats.ts';

const { values } = parseArgs({ options: { issues: { type: 'string', default: '100' }, workers: { type: 'string', default: '8' }, poll: { type: 'string', default: '1' } } });
const N = Number(values.issues);
const W = Number(values.workers);
const ORCH = path.resolve(import.meta.dirname, '../../bin/orch.js');

function convoyWall(workers: number): { ms: number; done: number } {
  const dir = benchRepo('orch-bench-convoy-');
  const outside = mkdtempSync(path.join(os.tmpdir(), 'orch-bench-tasks-'));
  try {
    const tasks = path.join(outside, 'tasks.yaml');
    writeFileSync(tasks, `tasks:\n${Array.from({ length: N }, (_, i) => `  - id: T${i}\n    title: task ${i}\n`).join('')}`);
    // The "agent" answers at once: it writes one file named after its issue and says it is done.
    const agent = `id=$(grep -o 'Work on issue [^ ]*' | head -1 | cut -d' ' -f4); echo "$id" > "$id.txt"; echo ORCH_DONE`;
    const ids = Array.from({ length: N }, (_, i) => `T${i}`);
    const created = spawnSync(process.execPath, [ORCH, 'convoy', 'create', 'bench', ...ids, '--epic', 'bench', '--tasks', tasks, '--agent', 'command', '--command', agent], { cwd: dir, encoding: 'utf8' });
    const id = /created convoy (\S+)/.exec(created.stdout)?.[1];
    if (!id) throw new Error(created.stderr);
    const t = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [ORCH, 'convoy', 'run', id, '--workers', String(workers), '--poll', values.poll, '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const res = JSON.parse(run.stdout) as { done: string[] };
    return { ms, done: res.done.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
}

/** A bare Node start, taken around the convoys: a yardstick for how fast this machine is today. */
function nodeStart(): number {
  const t = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const starts = [nodeStart(), nodeStart(), nodeStart()];
const many = convoyWall(W);
starts.push(nodeStart(), nodeStart(), nodeStart());
const one = convoyWall(1);
starts.push(nodeStart(), nodeStart(), nodeStart());
const node = median(starts);
console.log(`convoy of ${N} issues, instant command agent, no gates`);
console.log(`  ${W} workers: ${fmt(many.ms)} total, ${many.done} done → ${fmt(many.ms / N)} per issue (target <= 300 ms)`);
console.log(`  1 worker:  ${fmt(one.ms)} total, ${one.done} done → ${fmt(one.ms / N)} per issue`);
console.log(`  speed-up ${W} workers over 1: ${(one.ms / many.ms).toFixed(2)}x (${os.cpus().length} cores)`);
console.log(`  yardstick: node -e 0 p50 ${fmt(node)}; ${W} workers spend ${(many.ms / N / node).toFixed(1)} Node start-ups per issue`);
