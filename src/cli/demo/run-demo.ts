import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ORCH_BIN } from '../../adapters/package-root.ts';
import { createClaudeCodeAdapter } from '../../adapters/agents/claude-code.ts';
import { claudeDoubleEnv, startModelDouble } from '../../adapters/model-double/index.ts';
import { money, table } from '../render/format.ts';
import { DEMO_BUDGET, DEMO_EPIC, DEMO_TASK, KILL_AT_TURN, demoScenario } from './scenario.ts';

type Say = (line: string) => void;

function makeRepo(): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'orch-demo-')));
  const git = (...args: string[]): void => {
    spawnSync('git', ['-c', 'user.name=orch demo', '-c', 'user.email=demo@localhost', ...args], { cwd: dir });
  };
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'demo-app', type: 'module', scripts: { test: 'node --test' } }, null, 2) + '\n');
  writeFileSync(path.join(dir, 'README.md'), '# demo-app\n\nA tiny project an agent works on in the orch demo.\n');
  mkdirSync(path.join(dir, 'src'));
  git('add', '-A');
  git('commit', '-q', '-m', 'Initial project');
  return dir;
}

/** Run the CLI as a child (the model double lives in this process, so never block the loop). */
function orchChild(dir: string, env: NodeJS.ProcessEnv, args: string[], say: Say): { done: Promise<number>; pid: number } {
  const child = spawn(process.execPath, [ORCH_BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const relay = (b: Buffer): void => {
    for (const l of b.toString().split('\n')) if (l.trim()) say(`    │ ${l.replace(/\r/g, '')}`);
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  return { pid: child.pid ?? -1, done: new Promise((res) => child.on('close', (code) => res(code ?? 137))) };
}

/** Claude Code's own figure per process: the `total_cost_usd` of each result line in orch's logs. */
function claudeFigures(dir: string): number[] {
  const logs = path.join(dir, '.git', 'orch', 'logs');
  return readdirSync(logs)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => readFileSync(path.join(logs, f), 'utf8').split('\n').find((l) => l.includes('"type":"result"')))
    .map((l) => (l ? (JSON.parse(l) as { total_cost_usd: number }).total_cost_usd : Number.NaN));
}

/** The brief stored with a session's start checkpoint (the oldest commit on its ref). */
function startBrief(dir: string, sessionNumber: number): string | null {
  const git = (...a: string[]): string => spawnSync('git', a, { cwd: dir, encoding: 'utf8' }).stdout;
  const refs = git('for-each-ref', '--format=%(refname) %(contents:trailers:key=Orch-Session-Number,valueonly)', `refs/orchestration/${DEMO_EPIC}/sessions/`);
  const ref = refs.split('\n').find((l) => l.trim().endsWith(` ${sessionNumber}`))?.split(' ')[0];
  if (!ref) return null;
  const first = git('rev-list', '--reverse', ref).split('\n')[0];
  return first ? git('show', `${first}:.orchestration/checkpoints/${DEMO_EPIC}/brief.md`) || null : null;
}

export async function runDemo(say: Say): Promise<number> {
  const agent = createClaudeCodeAdapter();
  const { version } = await agent.check(process.cwd(), process.env);
  const double = await startModelDouble({ default: demoScenario });
  const dir = makeRepo();
  const hermetic = claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0 });
  const env = { ...hermetic.env, NO_COLOR: '1' };
  try {
    say(`orch demo — no API key, no network: the real Claude Code ${version ?? ''} against a scripted model on ${double.url}`);
    say(`project: ${dir}`);
    say('');
    say(`1) orch run --epic ${DEMO_EPIC} --budget ${DEMO_BUDGET} "${DEMO_TASK}"`);
    const first = orchChild(dir, env, ['run', '--epic', DEMO_EPIC, '--budget', String(DEMO_BUDGET), '--checkpoint-interval', '0.02', DEMO_TASK], say);
    const turns = (): number => double.requests.filter((r) => r.kind === 'turn').length;
    while (turns() <= KILL_AT_TURN) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500)); // let an interval checkpoint capture the work in progress
    say(`   … session 1 wrote src/slugify.js; now orch is killed outright (kill -9) mid-session`);
    process.kill(first.pid, 'SIGKILL');
    await first.done;
    say('');
    say(`2) the same command again: orch takes over the killed session and resumes with a brief`);
    const second = orchChild(dir, env, ['run', '--epic', DEMO_EPIC, DEMO_TASK], say);
    const code = await second.done;
    say('');
    const status = JSON.parse(spawnSync(process.execPath, [ORCH_BIN, 'session', 'status', '--epic', DEMO_EPIC, '--json'], { cwd: dir, env, encoding: 'utf8' }).stdout) as {
      budget: { spent: number; budget: number };
      sessions: { sessionNumber: number; status: string; costUsd: number }[];
    };
    const figures = claudeFigures(dir);
    const rows = status.sessions.map((s, i) => {
      const own = figures[i];
      const known = own !== undefined && !Number.isNaN(own);
      return [String(s.sessionNumber), s.status, money(s.costUsd), known ? money(own) : 'killed before its result', known ? (Math.abs(own - s.costUsd) < 1e-9 ? 'equal' : 'DIFFERENT') : 'priced from its transcript'];
    });
    say(table(rows, ['SESSION', 'STATUS', 'ORCH RECORDED', "CLAUDE CODE'S OWN", 'CHECK']));
    say(`epic ${DEMO_EPIC}: ${money(status.budget.spent)} spent of ${money(status.budget.budget)}`);
    say('');
    const s2 = status.sessions[1];
    const brief = s2 ? startBrief(dir, s2.sessionNumber) : null;
    if (brief) {
      say('the brief session 2 started with (built from checkpoints and recorded events, not from a model):');
      for (const l of brief.split('\n').slice(0, 30)) say(`    ${l}`);
      say('');
    }
    say(`look around: cd ${dir}`);
    say(`  orch session list --epic ${DEMO_EPIC}     orch session status --epic ${DEMO_EPIC}     git log --oneline     npm test`);
    return code;
  } finally {
    await double.close();
    hermetic.cleanup();
  }
}
