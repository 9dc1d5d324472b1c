import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claudeDoubleEnv, startModelDouble, turn, type ModelDouble } from '../../src/adapters/model-double/index.ts';
import { openGitDeps } from '../../src/adapters/open.ts';
import { genaiPriceTable } from '../../src/adapters/prices/genai-prices.ts';
import { readTranscriptFrom } from '../../src/adapters/transcripts/read.ts';
import { summarizeUsage, UsageLedger } from '../../src/core/cost/scan.ts';
import { EVENT } from '../../src/schema/events.ts';
import { orch } from '../support/cli.ts';
import { listPriceUsd } from '../support/claude-double.ts';
import { gitRepo } from '../support/repo.ts';

// The real Claude Code 2.1.197 against the model double, with orch's hooks installed in the project
// settings exactly as `orch hooks install` writes them (so the hook command itself is under test).
const CLAUDE = path.resolve('node_modules/.bin/claude');
const BRIEF_MARK = 'its checkpoints and cost are recorded by hooks';

let double: ModelDouble | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await double?.close();
  cleanup?.();
  double = undefined;
  cleanup = undefined;
});
beforeAll(() => {
  expect(existsSync('dist/cli/commands/hooks/hook.js'), 'run `npm run build` first').toBe(true);
});

/** Element i, or a test failure naming what was missing. */
function nth<T>(list: readonly T[], i: number, what: string): T {
  const v = list.at(i);
  if (v === undefined) throw new Error(`no ${what} #${i} (have ${list.length})`);
  return v;
}

function theDouble(): ModelDouble {
  if (double === undefined) throw new Error('no model double');
  return double;
}

interface ClaudeResult {
  session_id: string;
  total_cost_usd: number;
  is_error: boolean;
}

/** Async spawn: the double answers from this process, so a blocking spawnSync would starve it. */
function claude(cwd: string, env: NodeJS.ProcessEnv, prompt: string): Promise<ClaudeResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(CLAUDE, ['-p', '--output-format', 'json', '--allowedTools', 'Write'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 45_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as ClaudeResult);
      } catch {
        reject(new Error(`claude exited ${code}: ${out}\n${err}`));
      }
    });
    p.stdin.end(prompt);
  });
}

async function setup(budget?: string): Promise<{ dir: string; env: NodeJS.ProcessEnv; configDir: string }> {
  const dir = gitRepo({ 'README.md': '# project\n' });
  double = await startModelDouble({ turns: [turn.write('notes.txt', 'from the model\n', { input: 1000, output: 50 }), turn.text('all done', { input: 2000, output: 70 })] });
  const hermetic = claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0 });
  cleanup = () => {
    hermetic.cleanup();
  };
  const inst = orch(dir, ['hooks', 'install', '--epic', 'auth']);
  expect(inst.code, inst.stderr).toBe(0);
  if (budget !== undefined) {
    expect(orch(dir, ['session', 'start', '--epic', 'auth', '--budget', budget]).code).toBe(0);
    expect(orch(dir, ['session', 'pause', '--epic', 'auth', '--reason', 'set up']).code).toBe(0);
  }
  // What the hooks record is checked here; their latency is bench/hooks (a loaded CI machine must not make them give up).
  return { dir, env: { ...hermetic.env, ORCH_HOOK_DEADLINE_MS: '20000' }, configDir: hermetic.configDir };
}

function transcriptOf(configDir: string, sessionId: string): string {
  const projects = path.join(configDir, 'projects');
  for (const d of readdirSync(projects)) {
    const f = path.join(projects, d, `${sessionId}.jsonl`);
    if (existsSync(f)) return f;
  }
  throw new Error(`no transcript for ${sessionId}`);
}

/** What the transcript says the run cost: the cost report's dedupe and the same price table. */
async function transcriptCost(file: string): Promise<number> {
  const ledger = new UsageLedger();
  const read = await readTranscriptFrom(file, 0);
  for (const r of read.records) ledger.add(r);
  return summarizeUsage(ledger.records(), [], { prices: genaiPriceTable() }).totals.costUsd ?? Number.NaN;
}

interface Listed {
  checkpoints: { trigger: string; reason: string; status: string; sessionId: string; context: { sessionCost: number; agentSessionId: string | null } }[];
}

describe('orch hooks with the real Claude Code', () => {
  it('SessionStart puts the brief in the model request; Stop checkpoints and charges the transcript cost; SessionEnd pauses', async () => {
    const { dir, env, configDir } = await setup();
    const res = await claude(dir, env, 'write the notes');
    expect(res.is_error).toBe(false);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('from the model\n');

    const first = nth(theDouble().turns(), 0, 'model call');
    expect(first.rawBody).toContain(BRIEF_MARK);
    expect(first.rawBody).toContain('session 1 (ses_');

    const list = orch(dir, ['session', 'list', '--epic', 'auth', '--json']).json() as unknown as Listed;
    expect(list.checkpoints.map((c) => [c.trigger, c.status])).toEqual([
      ['pause', 'paused'],
      ['hook', 'running'],
      ['session_start', 'running'],
    ]);
    expect(nth(list.checkpoints, 1, 'checkpoint').reason).toBe('Stop (first of this Claude session)');
    expect(nth(list.checkpoints, 0, 'checkpoint').context.agentSessionId).toBe(res.session_id);

    // Cost: what the transcript file of this run says, priced by the same table; and it is the scripted tokens at list price.
    const expected = await transcriptCost(transcriptOf(configDir, res.session_id));
    expect(expected).toBeCloseTo(listPriceUsd(3000, 120), 9);
    expect(nth(list.checkpoints, 0, 'checkpoint').context.sessionCost).toBeCloseTo(expected, 6);
    const { store } = await openGitDeps(dir);
    const charged = (await store.readEvents('auth')).filter((e) => e.type === EVENT.costCharged);
    expect(charged.every((e) => e.source === 'transcript')).toBe(true);
    expect(charged.reduce((a, e) => a + (e.amount as number), 0)).toBeCloseTo(expected, 6);
    expect(Object.keys(nth(charged, 0, 'cost event').models as object)).toEqual(['claude-sonnet-4-5-20250929']);

    // The same Claude session's hooks again (e.g. `claude --resume`): nothing is charged twice.
    const input = JSON.stringify({ session_id: res.session_id, transcript_path: transcriptOf(configDir, res.session_id), cwd: dir, hook_event_name: 'Stop' });
    expect(orch(dir, ['hook', 'Stop'], {}, input)).toMatchObject({ code: 0, stdout: '' });
    const after = orch(dir, ['session', 'status', '--epic', 'auth', '--json']).json() as { budget: { spent: number } };
    expect(after.budget.spent).toBeCloseTo(expected, 6);
    expect(readFileSync(path.join(dir, '.git/orch/hooks.log'), 'utf8')).not.toMatch(/ error /);
  });

  it('a second Claude session resumes the epic with the resume brief; PreToolUse denies once the budget is spent', async () => {
    // Budget $0.01: the first run (1000+2000 in, 50+70 out = $0.0108) spends it.
    const { dir, env } = await setup('0.01');
    const one = await claude(dir, env, 'first');
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('from the model\n');
    const status = orch(dir, ['session', 'status', '--epic', 'auth', '--json']).json() as { budget: { spent: number; exhausted: boolean } };
    expect(status.budget.exhausted).toBe(true);

    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir, 'notes.txt'));
    const two = await claude(dir, env, 'second');
    expect(two.session_id).not.toBe(one.session_id);
    // The Write was refused: no file, and the model was told why in the tool result.
    expect(existsSync(path.join(dir, 'notes.txt'))).toBe(false);
    const turns = theDouble().turns().filter((t) => t.conversation === two.session_id);
    expect(nth(turns, 0, 'model call').rawBody).toMatch(/orch: epic auth has spent \$0\.01 of its \$0\.01 budget\. Tool calls will be refused/);
    const toolResult = JSON.stringify((nth(turns, 1, 'model call').body as { messages: unknown[] }).messages.at(-1));
    expect(toolResult).toMatch(/the budget of epic auth is spent/);
    expect(readFileSync(path.join(dir, '.git/orch/hooks.log'), 'utf8')).toMatch(/PreToolUse: denied Write/);
  });

  it('resumes with the resume brief when the epic has sessions', async () => {
    const { dir, env } = await setup('5');
    await claude(dir, env, 'go');
    const body = nth(theDouble().turns(), 0, 'model call').rawBody;
    expect(body).toContain('# Resume brief: auth');
    expect(body).toContain(BRIEF_MARK);
    const list = orch(dir, ['session', 'list', '--epic', 'auth', '--json']).json() as unknown as Listed;
    expect(new Set(list.checkpoints.map((c) => c.sessionId)).size).toBe(2);
  });
});
