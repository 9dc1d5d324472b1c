// The same convoy of N issues, worked by an instant command agent with no gates, run twice: on the
// local engine (child processes here) and on the BullMQ engine (a redis-server started here and W
// `orch worker` processes, each with its own clone of a bare hub). Prints each engine's wall time,
// its time per issue, and the overhead ratio bullmq/local.
// usage: npx tsx bench/engine/run.ts [--issues 100] [--workers 4]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fmt } from '../lib/stats.ts';

const { values } = parseArgs({ options: { issues: { type: 'string', default: '100' }, workers: { type: 'string', default: '4' } } });
const N = Number(values.issues);
const W = Number(values.workers);
const ORCH = path.resolve(import.meta.dirname, '../../bin/orch.js');
const root = mkdtempSync(path.join(os.tmpdir(), 'orch-bench-engine-'));
// Children get their own process group (detached), so a signal to ours reaches only this script,
// which stops them in order: orch commands, then workers, then redis-server.
const commands = new Set<ChildProcess>();
let redis: ChildProcess | null = null;
const workers: ChildProcess[] = [];
const logs: string[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function git(cwd: string, ...a: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...a], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
}

function orch(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [ORCH, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    commands.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => (commands.delete(p), resolve({ code, stdout, stderr })));
  });
}

/** A fresh repository (with a bare hub as origin for bullmq) and a convoy of T0..T{N-1} in it. */
async function createConvoy(name: string, withHub: boolean): Promise<{ repo: string; id: string }> {
  const repo = path.join(root, name, 'repo');
  mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'README.md'), '# bench\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  if (withHub) {
    const hub = path.join(root, name, 'hub.git');
    git(repo, 'clone', '-q', '--bare', repo, hub);
    git(repo, 'remote', 'add', 'origin', hub);
  }
  const tasks = path.join(root, name, 'tasks.yaml');
  writeFileSync(tasks, `tasks:\n${Array.from({ length: N }, (_, i) => `  - id: T${i}\n    title: task ${i}\n`).join('')}`);
  // The "agent" answers at once: it writes one file named after its issue and says it is done.
  const agent = `id=$(grep -o 'Work on issue [^ ]*' | head -1 | cut -d' ' -f4); echo "$id" > "$id.txt"; echo ORCH_DONE`;
  const ids = Array.from({ length: N }, (_, i) => `T${i}`);
  const created = await orch(repo, ['convoy', 'create', 'bench', ...ids, '--epic', 'bench', '--tasks', tasks, '--agent', 'command', '--command', agent]);
  const id = /created convoy (\S+)/.exec(created.stdout)?.[1];
  if (!id) throw new Error(`convoy create failed: ${created.stderr}`);
  return { repo, id };
}

/** Runs the convoy to the end and times it; fails unless every issue is done. */
async function timedRun(engine: string, repo: string, id: string, extra: string[]): Promise<{ ms: number; done: number }> {
  const t = process.hrtime.bigint();
  const run = await orch(repo, ['convoy', 'run', id, '--workers', String(W), '--poll', '0.05', ...extra, '--json']);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  let done = -1;
  try {
    done = (JSON.parse(run.stdout) as { done: string[] }).done.length;
  } catch {
    /* no JSON: reported below */
  }
  if (done !== N) throw new Error(`${engine}: ${done < 0 ? 'no result' : `${done} of ${N} issues done`} (exit ${run.code})\n${run.stdout}\n${run.stderr}`);
  return { ms, done };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });
}

async function startRedis(): Promise<string> {
  const port = await freePort();
  const dir = path.join(root, 'redis');
  mkdirSync(dir);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'];
  redis = spawn('/usr/bin/redis-server', args, { stdio: 'ignore', detached: true });
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) {
    const up = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (up) return `redis://127.0.0.1:${port}`;
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

/** W `orch worker` processes, each with its own clone dir; their output goes to <dir>/worker.log. */
function startWorkers(url: string): void {
  for (let i = 0; i < W; i++) {
    const dir = path.join(root, `worker-${i}`);
    mkdirSync(dir);
    logs.push(path.join(dir, 'worker.log'));
    const fd = openSync(logs[i]!, 'a');
    workers.push(spawn(process.execPath, [ORCH, 'worker', '--redis', url, '--dir', path.join(dir, 'clone'), '--concurrency', '1'], { cwd: dir, stdio: ['ignore', fd, fd], detached: true }));
  }
}

const logLines = (re: RegExp): string[] => logs.flatMap((l) => readFileSync(l, 'utf8').split('\n').filter((x) => re.test(x)));

/** Each group in turn gets SIGTERM, then SIGKILL after 5 s; then the temp files go. Runs once. */
let cleaning: Promise<void> | null = null;
const cleanup = (): Promise<void> => (cleaning ??= stopAll());
async function stopAll(): Promise<void> {
  const exited = (p: ChildProcess): Promise<unknown> => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)));
  for (const p of [[...commands], workers, redis ? [redis] : []]) {
    for (const c of p) c.kill('SIGTERM');
    await Promise.race([Promise.all(p.map(exited)), sleep(5000)]);
    for (const c of p) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  rmSync(root, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

try {
  const local = await createConvoy('local', false);
  const bull = await createConvoy('bullmq', true);
  console.log(`convoy of ${N} issues, ${W} workers, instant command agent, no gates`);
  const localRun = await timedRun('local', local.repo, local.id, []);
  console.log(`  local:  ${fmt(localRun.ms)} total, ${localRun.done} done → ${fmt(localRun.ms / N)} per issue`);
  const url = await startRedis();
  startWorkers(url);
  const bullRun = await timedRun('bullmq', bull.repo, bull.id, ['--engine', 'bullmq', '--redis', url]);
  console.log(`  bullmq: ${fmt(bullRun.ms)} total, ${bullRun.done} done → ${fmt(bullRun.ms / N)} per issue (${W} orch worker processes, own clones)`);
  console.log(`  overhead ratio bullmq/local: ${(bullRun.ms / localRun.ms).toFixed(2)}x`);
  const errors = logLines(/error|warn|fail/i);
  if (errors.length > 0) console.log(`  worker logs: ${errors.length} lines mention error/warn/fail, e.g.\n    ${errors.slice(0, 5).join('\n    ')}`);
} catch (e) {
  process.exitCode = 1;
  console.error(e instanceof Error ? e.message : e);
  if (logs.length > 0) console.error(`last worker log lines:\n${logLines(/./).slice(-20).join('\n')}`);
} finally {
  await cleanup();
}
