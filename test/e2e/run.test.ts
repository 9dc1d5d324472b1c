import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeDoubleEnv } from '../../src/adapters/model-double/claude-env.ts';
import { startModelDouble, turn, type ModelDouble } from '../../src/adapters/model-double/index.ts';
import type { ScenarioInput } from '../../src/adapters/model-double/scenario.ts';
import { liveGroupMembers, listPriceUsd } from '../support/claude-double.ts';
import { spawn } from 'node:child_process';
import { ORCH_BIN, orch, orchAsync } from '../support/cli.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

let double: ModelDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

async function rig(scenario: ScenarioInput): Promise<{ dir: string; env: NodeJS.ProcessEnv; configDir: string }> {
  double = await startModelDouble({ default: { cursor: 'shared', ...scenario } });
  const dir = gitRepo({ 'README.md': '# app\n' });
  const h = claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0, configDir: tempDir('orch-cc-') });
  return { dir, env: h.env, configDir: h.configDir };
}

interface ListedCheckpoint {
  id: string;
  sessionNumber: number;
  status: string;
  trigger: string;
  reason: string;
  git: { snapshotTree: string | null } | null;
  context: { sessionCost: number; blockers: { text: string }[] };
}
const list = (dir: string, env: NodeJS.ProcessEnv): ListedCheckpoint[] =>
  (orch(dir, ['session', 'list', '--epic', 'e', '--limit', '100', '--json'], env).json() as { checkpoints: ListedCheckpoint[] }).checkpoints;

/** Claude Code's own per-process figures, from the raw stream-json logs orch keeps. */
function claudeResultCosts(dir: string): number[] {
  const logs = path.join(dir, '.git', 'orch', 'logs');
  return readdirSync(logs)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      readFileSync(path.join(logs, f), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"result"'))
        .map((l) => (JSON.parse(l) as { total_cost_usd: number }).total_cost_usd),
    );
}

describe('orch run with the real Claude Code against the model double', () => {
  it('three sessions, one resuming the agent conversation: the epic cost is the sum of the per-process figures', async () => {
    const { dir, env } = await rig({
      turns: [
        turn.write('a.txt', 'a\n', { input: 3000, output: 100 }),
        turn.text('Wrote a.txt. Next: b.txt', { input: 3100, output: 40 }),
        turn.write('b.txt', 'b\n', { input: 4000, output: 120 }),
        turn.text('Wrote b.txt. Next: c.txt', { input: 4100, output: 30 }),
        turn.write('c.txt', 'c\n', { input: 5000, output: 90 }),
        turn.text('All three files exist.\nORCH_DONE', { input: 5100, output: 20 }),
      ],
    });
    const first = await orchAsync(dir, ['run', '--epic', 'e', '--budget', '5', '--max-sessions', '2', 'Write a.txt, b.txt and c.txt'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/reached --max-sessions 2/);
    const second = await orchAsync(dir, ['run', '--epic', 'e', '--resume-agent', 'Write a.txt, b.txt and c.txt'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/done: the agent reports the task complete/);
    expect(['a.txt', 'b.txt', 'c.txt'].every((f) => existsSync(path.join(dir, f)))).toBe(true);

    const perProcess = claudeResultCosts(dir);
    expect(perProcess).toHaveLength(3);
    const expected = listPriceUsd(3000 + 3100, 140) + listPriceUsd(4000 + 4100, 150) + listPriceUsd(5000 + 5100, 110);
    const status = orch(dir, ['session', 'status', '--epic', 'e', '--json'], env).json() as { budget: { spent: number }; sessions: { costUsd: number; status: string }[] };
    expect(status.budget.spent).toBeCloseTo(perProcess.reduce((a, b) => a + b, 0), 6);
    expect(status.budget.spent).toBeCloseTo(expected, 6);
    expect(status.sessions.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
    // Session 2's brief reached the model: it names what session 1 left behind.
    const briefed = double!.requests.filter((r) => r.kind === 'turn' && r.rawBody.includes('Resume brief'));
    expect(briefed.length).toBeGreaterThan(0);
  });

  it('budget: stops at the budget (at most one call over), records budget_exceeded, refuses the next run until raised', async () => {
    const { dir, env } = await rig({
      turns: Array.from({ length: 12 }, (_, i) => turn.bash(`echo step ${i}`, { input: 20_000, output: 200 })),
    });
    const budget = 0.2; // each call ≈ $0.063
    const r = await orchAsync(dir, ['run', '--epic', 'e', '--budget', String(budget), 'Keep going'], env);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const status = orch(dir, ['session', 'status', '--epic', 'e', '--json'], env).json() as { budget: { spent: number }; sessions: { status: string }[] };
    expect(status.sessions.at(-1)?.status).toBe('budget_exceeded');
    expect(status.budget.spent).toBeGreaterThanOrEqual(budget);
    expect(status.budget.spent).toBeLessThanOrEqual(budget + listPriceUsd(20_000, 200) + 1e-9);
    expect(r.stderr).toMatch(/warning: .*budget/);

    const refused = await orchAsync(dir, ['run', '--epic', 'e', 'Keep going'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/budget.*--budget/);
  });

  it('kill -9 of orch mid-session: the next run marks it interrupted, keeps its recorded cost, stops the orphaned agent and continues', async () => {
    const { dir, env } = await rig({
      turns: [turn.write('x.txt', 'x\n', { input: 1000, output: 10 }), turn.hang('before'), turn.text('Finished.\nORCH_DONE', { input: 1000, output: 10 })],
    });
    let orchPid = 0;
    const killed = orchAsync(dir, ['run', '--epic', 'e', '--checkpoint-interval', '0.02', 'Make x.txt'], env, { onSpawn: (p) => (orchPid = p) });
    // Wait until the agent hangs on the model (its second call), then kill orch outright.
    const until = Date.now() + 60_000;
    while (double!.requests.filter((q) => q.kind === 'turn').length < 2 && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
    await new Promise((res) => setTimeout(res, 1500));
    const live = JSON.parse(readFileSync(path.join(dir, '.git', 'orch', 'runs', 'e.json'), 'utf8')) as { agentPid: number };
    process.kill(orchPid, 'SIGKILL');
    await killed;
    expect(liveGroupMembers(live.agentPid).length).toBeGreaterThan(0); // the agent outlived orch

    const next = await orchAsync(dir, ['run', '--epic', 'e', 'Make x.txt'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/died without cleaning up; its agent was still running and has been stopped/);
    expect(next.stderr).toMatch(/marked interrupted/);
    expect(liveGroupMembers(live.agentPid)).toEqual([]);
    const status = orch(dir, ['session', 'status', '--epic', 'e', '--json'], env).json() as { sessions: { status: string; costUsd: number }[] };
    expect(status.sessions.map((s) => s.status)).toEqual(['interrupted', 'completed']);
    // The killed session's one finished call is recovered from Claude Code's transcript.
    expect(status.sessions[0]!.costUsd).toBeCloseTo(listPriceUsd(1000, 10), 6);
    expect(next.stderr).toMatch(/recovered from the agent's transcript/);
  });

  it('a stalled model: the stall timeout kills the whole agent process group; the session fails with the reason recorded', async () => {
    const { dir, env } = await rig({ turns: [turn.hang('before')] });
    let agentPid = 0;
    const run = orchAsync(dir, ['run', '--epic', 'e', '--stall-timeout', '0.05', '--max-sessions', '1', 'Do it'], env);
    const until = Date.now() + 30_000;
    while (!agentPid && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 100));
      try {
        agentPid = (JSON.parse(readFileSync(path.join(dir, '.git', 'orch', 'runs', 'e.json'), 'utf8')) as { agentPid: number | null }).agentPid ?? 0;
      } catch {
        /* not written yet */
      }
    }
    const r = await run;
    expect(agentPid).toBeGreaterThan(0);
    expect(liveGroupMembers(agentPid)).toEqual([]);
    expect(r.stdout).toMatch(/failed/);
    const cps = list(dir, env);
    expect(cps[0]?.status).toBe('failed');
    expect(cps[0]?.context.blockers.map((b) => b.text).join('\n')).toMatch(/session 1: agent stalled/);
  });

  it('redacts secrets from what it records, and records non-JSON agent output without failing', async () => {
    const key = 'sk-ant-api03-' + 'Zx9'.repeat(30) + 'AbC';
    const { dir, env } = await rig({ turns: [turn.bash(`test -n "${key}" && exit 3`, { input: 100, output: 10 }), turn.text('Could not do it.', { input: 100, output: 10 })] });
    const wrapper = path.join(tempDir(), 'claude-noisy');
    const real = path.resolve('node_modules/.bin/claude');
    writeFileSync(wrapper, `#!/bin/sh\necho "warming up, not JSON"\nexec "${real}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const r = await orchAsync(dir, ['run', '--epic', 'e', '--max-sessions', '1', 'Try it'], { ...env, ORCH_CLAUDE_BIN: wrapper });
    expect(r.code, r.stderr).toBe(0);
    const refs = g(dir, 'log', '-p', '--glob=refs/orchestration/*');
    expect(refs).not.toContain(key);
    expect(refs).toMatch(/REDACTED:anthropic/);
    expect(refs).toMatch(/warming up, not JSON/);
    // The agent's own log (its stream-json, line by line) is redacted too, and its JSON lines stay JSON.
    const logs = path.join(dir, '.git', 'orch', 'logs');
    const log = readdirSync(logs).map((f) => readFileSync(path.join(logs, f), 'utf8')).join('');
    expect(log).not.toContain(key);
    expect(log).toMatch(/REDACTED:anthropic/);
    const lines = log.split('\n').filter(Boolean);
    expect(lines).toContain('warming up, not JSON');
    expect(lines.filter((l) => l.startsWith('{')).map((l) => typeof JSON.parse(l))).toEqual(lines.slice(1).map(() => 'object'));
  });

  it('checkpoints while the agent runs carry the cost so far; the 80 % warning fires mid-session; the end checkpoint has the snapshot', async () => {
    // Call 1 ≈ $0.0915 (83 % of $0.11), then the model takes 3.5 s to answer: interval checkpoints fall in that wait.
    const { dir, env } = await rig({
      turns: [turn.write('a.txt', 'a\n', { input: 30_000, output: 100 }), { ...turn.text('Wrote a.txt.\nORCH_DONE', { input: 1000, output: 10 }), stall: { beforeMs: 3500 } }],
    });
    const r = await orchAsync(dir, ['run', '--epic', 'e', '--budget', '0.11', '--checkpoint-interval', '0.02', '--no-gates', '--json', 'Write a.txt'], env);
    expect(r.code, r.stderr).toBe(0);
    const cps = list(dir, env).sort((a, b) => a.id.localeCompare(b.id));
    const triggers = cps.map((c) => c.trigger);
    expect(triggers[0]).toBe('session_start');
    expect(triggers).toContain('interval');
    expect(triggers).toContain('cost_threshold');
    expect(triggers.slice(-2)).toEqual(['agent_result', 'end']);
    const soFar = (c: ListedCheckpoint): number => Number(/cost so far ≈ \$(\d+\.\d+) \(estimate/.exec(c.reason)?.[1] ?? NaN);
    const intervals = cps.filter((c) => c.trigger === 'interval');
    expect(intervals.every((c) => Number.isFinite(soFar(c)))).toBe(true);
    expect(Math.max(...intervals.map(soFar))).toBeGreaterThan(0);
    expect(soFar(cps.find((c) => c.trigger === 'cost_threshold')!)).toBeGreaterThanOrEqual(0.8 * 0.11);
    // The estimate is recorded, not charged: the measured cost arrives with the agent's result.
    expect(intervals.every((c) => c.context.sessionCost === 0)).toBe(true);
    expect(g(dir, 'log', '-p', '--glob=refs/orchestration/*')).toMatch(/cost\.estimate/);
    // agent_result is written without a snapshot because the end checkpoint carries it.
    expect(cps.at(-2)!.git).toBeNull();
    expect(cps.at(-1)!.git?.snapshotTree).toBeTruthy();
    // The warning came while the agent ran (before its result), and only once.
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; message?: string; event?: { type: string } });
    const warnings = lines.flatMap((l, i) => (l.type === 'run.warning' ? [i] : []));
    expect(warnings).toHaveLength(1);
    expect(lines[warnings[0]!]!.message).toMatch(/has used 8\d % of its \$0\.11 budget/);
    expect(warnings[0]!).toBeLessThan(lines.findIndex((l) => l.type === 'run.agent' && l.event?.type === 'result'));
  });

  it('background: runs detached, shows live in session status, and session stop pauses it after a final checkpoint', async () => {
    const { dir, env } = await rig({ turns: [turn.hang('before')] });
    const bg = orch(dir, ['run', '--epic', 'e', '--background', '--json', 'Long job'], env);
    expect(bg.code, bg.stderr).toBe(0);
    const { pid, logPath } = bg.json() as { pid: number; logPath: string };
    expect(existsSync(logPath)).toBe(true);
    const until = Date.now() + 30_000;
    let st: { run: { pid: number; state: string } | null } = { run: null };
    while (Date.now() < until) {
      st = orch(dir, ['session', 'status', '--epic', 'e', '--json'], env).json() as typeof st;
      if (st.run?.state === 'running' && double!.requests.some((q) => q.kind === 'turn')) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(st.run?.pid).toBe(pid);
    const stop = orch(dir, ['session', 'stop', '--epic', 'e'], env);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/paused after a final checkpoint/);
    expect(list(dir, env)[0]?.status).toBe('paused');
    expect((orch(dir, ['session', 'status', '--epic', 'e', '--json'], env).json() as typeof st).run).toBeNull();
  });
});

describe('orch run: bad input', () => {
  it('unknown agent, bad budget, missing task → exit 2; missing claude says how to install', () => {
    const dir = gitRepo();
    expect(orch(dir, ['run', '--epic', 'e', '--agent', 'gpt', 'x']).stderr).toMatch(/unknown agent "gpt"/);
    expect(orch(dir, ['run', '--epic', 'e', '--agent', 'gpt', 'x']).code).toBe(2);
    for (const b of ['-1', 'ten']) expect(orch(dir, ['run', '--epic', 'e', `--budget=${b}`, 'x']).code).toBe(2);
    expect(orch(dir, ['run', '--epic', 'e', '']).code).toBe(2);
    const missing = orch(dir, ['run', '--epic', 'e', 'x'], { ORCH_CLAUDE_BIN: '/nonexistent/claude' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/npm install @anthropic-ai\/claude-code@2\.1\.197/);
    expect(g(dir, 'for-each-ref', 'refs/orchestration')).toBe('');
  });

  it('--json streams events as JSON lines, and a reader that goes away (| head) does not break the run', async () => {
    const dir = gitRepo();
    const child = spawn(process.execPath, [ORCH_BIN, 'run', '--epic', 'p', '--agent', 'command', '--command', 'cat >/dev/null; sleep 0.3; echo ORCH_DONE', '--no-gates', '--json', 'task'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    const first = await new Promise<string>((res) => child.stdout.once('data', (b: Buffer) => res(b.toString().split('\n')[0]!)));
    expect(JSON.parse(first)).toMatchObject({ type: 'run.session', sessionNumber: 1 });
    child.stdout.destroy();
    const code = await new Promise((res) => child.on('close', res));
    expect(code).toBe(0);
    const st = orch(dir, ['session', 'status', '--epic', 'p', '--json']).json() as { latest: { status: string } };
    expect(st.latest.status).toBe('completed');
  });

  it('stops after K failed sessions in a row, each recorded as what didn’t work', async () => {
    const dir = gitRepo();
    const r = await orchAsync(dir, ['run', '--epic', 'f', '--agent', 'command', '--command', 'cat >/dev/null; echo "boom: cannot build" >&2; exit 7', '--max-failures', '2', '--max-sessions', '5', 'task'], { PATH: process.env.PATH });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/2 sessions failed in a row; the last: agent crashed \(exit 7\)/);
    const st = orch(dir, ['session', 'status', '--epic', 'f', '--json']).json() as { sessions: { status: string }[] };
    expect(st.sessions.map((s) => s.status)).toEqual(['failed', 'failed']);
    const brief = orch(dir, ['brief', '--epic', 'f']).stdout;
    expect(brief).toMatch(/What didn't work[\s\S]*boom: cannot build/);
  });

  it('a key in a failing agent’s stderr is redacted from the session list, the brief and the git history', async () => {
    const dir = gitRepo();
    // Built in the shell from an innocently named variable, so neither argv nor a credential variable holds it.
    const key = 'sk-ant-api03-' + 'Qw7_x-Lm2'.repeat(11);
    const r = await orchAsync(dir, ['run', '--epic', 'k', '--agent', 'command', '--command', 'cat >/dev/null; echo "upstream said: invalid x-api-key $BLOB" >&2; exit 7', '--max-failures', '1', 'task'], { PATH: process.env.PATH, BLOB: key });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(key);
    const listed = orch(dir, ['session', 'list', '--epic', 'k', '--json']).stdout;
    const brief = orch(dir, ['brief', '--epic', 'k']).stdout;
    const history = g(dir, 'log', '--all', '--format=%B');
    for (const text of [listed, brief, history, g(dir, 'log', '--all', '-p')]) expect(text).not.toContain(key);
    expect(listed).toContain('[REDACTED');
    expect(brief).toContain('[REDACTED');
    expect(brief).toMatch(/agent crashed \(exit 7\)/);
  });

  it('the command agent: cost from a JSON field when printed, otherwise unknown (never 0)', async () => {
    const dir = gitRepo();
    const withCost = await orchAsync(dir, ['run', '--epic', 'c', '--agent', 'command', '--command', 'cat >/dev/null; echo \'{"usage":{"cost_usd":0.25}}\'; echo ORCH_DONE', '--cost-field', 'usage.cost_usd', 'task'], { PATH: process.env.PATH });
    expect(withCost.code, withCost.stderr).toBe(0);
    expect(withCost.stdout).toMatch(/\$0\.25/);
    const noCost = await orchAsync(dir, ['run', '--epic', 'n', '--agent', 'command', '--command', 'cat >/dev/null; echo ORCH_DONE', 'task'], { PATH: process.env.PATH });
    expect(noCost.code, noCost.stderr).toBe(0);
    expect(noCost.stdout).toMatch(/completed +unknown/);
  });
});
