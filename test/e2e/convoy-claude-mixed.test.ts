import path from 'node:path';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeDoubleEnv } from '../../src/adapters/model-double/claude-env.ts';
import { startModelDouble, turn, type ModelDouble, type TurnInput } from '../../src/adapters/model-double/index.ts';
import { listPriceUsd } from '../support/claude-double.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { g, gitRepo, tempDir, userState, write } from '../support/repo.ts';

let double: ModelDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

/** What Claude Code reports for a script's turns: list price of their scripted tokens. */
const costOf = (turns: TurnInput[]): number =>
  turns.reduce((a, t) => a + ('usage' in t && t.usage ? listPriceUsd(t.usage.input ?? 100, t.usage.output ?? 10) : 0), 0);
const usage = (input: number): { input: number; output: number } => ({ input, output: 20 });

interface ShownIssue {
  id: string;
  status: string;
  attempts: number;
  restarts: number;
  sessionIds: string[];
  reasons: string[];
  costUsd: number;
  unknownCosts: number;
}

/** Healthy workers here go at most ~3.5 s without output (Claude Code starting, gates running); S's stall is endless. */
const STALE_MINUTES = '0.15';
/** Q's first attempt waits (in short steps, so its worker keeps showing progress) until P has landed. */
const WAIT_STEPS = 6;

describe('orch convoy with the real Claude Code: stall, merge conflict and failing gate in one run', () => {
  it('six issues, three workers: the witness restarts a stalled worker, a conflict and a failed gate are sent back and fixed; all land, costs add up', async () => {
    // The project: a gate (`npm test`) that holds while gate.txt starts with "ok", a line two issues both edit.
    const gateScript = `node -e "process.exit(require('fs').readFileSync('gate.txt','utf8').startsWith('ok') ? 0 : 1)"`;
    const repo = gitRepo({
      'README.md': '# r\n',
      'package.json': `${JSON.stringify({ name: 'mixed', private: true, scripts: { test: gateScript } }, null, 2)}\n`,
      'gate.txt': 'ok\n',
      'shared.txt': 'line\n',
    });
    write(repo, { 'wip.txt': 'uncommitted user work\n' });
    const outside = tempDir();
    const tasks = path.join(outside, 'tasks.yaml');
    const issue = (id: string, scenario: string, title: string): string => `  - id: ${id}\n    title: ${title}\n    description: "[scenario:${scenario}] ${title}"\n`;
    writeFileSync(
      tasks,
      'tasks:\n' +
        issue('P', 'p', 'put P on the shared line') +
        issue('Q', 'q', 'put Q on the shared line') +
        issue('S', 's', 'write S.txt') +
        issue('G', 'g', 'mark gate.txt as G’s') +
        issue('A', 'a', 'write A.txt') +
        issue('B', 'b', 'write B.txt'),
    );
    const before = userState(repo);
    const created = orch(repo, ['convoy', 'create', 'mixed', 'P', 'Q', 'S', 'G', 'A', 'B', '--epic', 'mx', '--tasks', tasks, '--agent', 'claude', '--stale-minutes', STALE_MINUTES, '--sessions', '1']);
    expect(created.code, created.stderr).toBe(0);
    const id = /created convoy (\S+)/.exec(created.stdout)![1]!;
    const integration = `orch/${id}/integration`;

    // The scripts. Bash, not Write: Claude Code's Write refuses to overwrite a file it has not read.
    const done = (what: string, input: number): TurnInput => turn.text(`${what}\nORCH_DONE`, usage(input));
    const p = [turn.bash(`printf 'P\\n' > shared.txt`, usage(1100)), done('P is on the line.', 1100)];
    // Q edits the same line, but lands second: it finishes only once P is on the integration branch.
    const waitForP = `for i in ${Array.from({ length: 20 }, (_, i) => i + 1).join(' ')}; do git show ${integration}:shared.txt 2>/dev/null | grep -qx P && break; sleep 0.1; done`;
    const qFirst = [turn.bash(`printf 'Q\\n' > shared.txt`, usage(1200)), ...Array.from({ length: WAIT_STEPS }, () => turn.bash(waitForP, usage(1200))), done('Q is on the line.', 1200)];
    // Sent back with the conflict, Q does what its brief says: merge the integration branch, keep both lines.
    const qRetry = [
      turn.bash(`git merge ${integration} >/dev/null 2>&1; printf 'P\\nQ\\n' > shared.txt && git add shared.txt && git commit -qm 'Q: merge ${integration}, keep both lines'`, usage(1300)),
      done('Merged; both lines kept.', 1300),
    ];
    // S's first model call never finishes (no usage reported: Claude Code is killed before any result).
    const hang: TurnInput = { type: 'text', text: '', stall: { hang: 'mid' }, usage: { input: 0, output: 0 } };
    const sRestarted = [turn.bash(`printf 'S\\n' > S.txt`, usage(1400)), done('S.txt written.', 1400)];
    const gFirst = [turn.bash(`printf 'G was here\\n' > gate.txt`, usage(1500)), done('gate.txt marked.', 1500)];
    const gRetry = [turn.bash(`printf 'ok: G was here\\n' > gate.txt`, usage(1600)), done('gate.txt marked, gate holds.', 1600)];
    const a = [turn.bash(`printf 'A\\n' > A.txt`, usage(1700)), done('A.txt written.', 1700)];
    const b = [turn.bash(`printf 'B\\n' > B.txt`, usage(1800)), done('B.txt written.', 1800)];
    // `shared`: a later session (a retry, a restart) continues the script where the last one stopped.
    double = await startModelDouble({
      p: { turns: p },
      q: { cursor: 'shared', turns: [...qFirst, ...qRetry] },
      s: { cursor: 'shared', turns: [hang, ...sRestarted] },
      g: { cursor: 'shared', turns: [...gFirst, ...gRetry] },
      a: { turns: a },
      b: { turns: b },
    });
    const d = double;
    // A hermetic HOME: Claude Code's first Bash call snapshots the login shell, which a heavy profile
    // (pyenv, nvm, …) makes take seconds, and a worker that long without output looks stale to the witness.
    const home = tempDir('orch-home-');
    const extra = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', npm_config_update_notifier: 'false' };
    const { env } = claudeDoubleEnv({ baseUrl: d.url, maxRetries: 0, configDir: tempDir('orch-cc-'), base: { PATH: process.env.PATH, HOME: home }, extra });

    const started = Date.now();
    const run = await orchAsync(repo, ['convoy', 'run', id, '--workers', '3', '--poll', '0.2'], env, { timeoutMs: 170_000 });
    const seconds = (Date.now() - started) / 1000;
    const log = `${run.stdout}\n${run.stderr}\n(convoy run took ${seconds.toFixed(1)} s)`;
    expect(run.code, log).toBe(0);
    expect(run.stdout, log).toMatch(/finished; done 6 \(.*\), failed 0/);
    // The three things that went wrong, each once, and nothing else restarted or sent back.
    expect(run.stderr).toMatch(new RegExp(`witness: S no progress for ${STALE_MINUTES} min; restarting it from its last checkpoint`));
    expect(run.stderr.match(/witness:/g), log).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`Q sent back: merge conflict with ${integration} in shared\\.txt`));
    expect(run.stderr).toMatch(/G: worker not done \(the agent said done, but gate test regressed/);
    expect(run.stderr.match(/sent back|worker not done/g), log).toHaveLength(2);

    const show = orch(repo, ['convoy', 'show', id, '--json']).json() as { spent: number; issues: ShownIssue[] };
    const byId = Object.fromEntries(show.issues.map((i) => [i.id, i]));
    const clean = { status: 'done', attempts: 1, restarts: 0, reasons: [], unknownCosts: 0 };
    expect(byId.P, log).toMatchObject({ ...clean, sessionIds: [expect.any(String)] });
    expect(byId.A, log).toMatchObject({ ...clean, sessionIds: [expect.any(String)] });
    expect(byId.B, log).toMatchObject({ ...clean, sessionIds: [expect.any(String)] });
    // What didn't work is recorded per attempt; the next attempt was briefed with it.
    expect(byId.Q, log).toMatchObject({ status: 'done', attempts: 2, restarts: 0, reasons: [expect.stringMatching(new RegExp(`^attempt 1: merge conflict with ${integration} in shared\\.txt`))] });
    expect(byId.G, log).toMatchObject({ status: 'done', attempts: 2, restarts: 0, reasons: [expect.stringMatching(/^attempt 1: the agent said done, but gate test regressed/)] });
    expect(byId.Q!.sessionIds).toHaveLength(2);
    expect(byId.G!.sessionIds).toHaveLength(2);
    // The stall costs no attempt: one attempt, one restart, two sessions (the second continues the first).
    expect(byId.S, log).toMatchObject({ status: 'done', attempts: 1, restarts: 1, reasons: [] });
    expect(byId.S!.sessionIds).toHaveLength(2);
    const status = orch(repo, ['session', 'status', '--epic', 'mx', '--json']).json() as { sessions: { sessionId: string; status: string; costUsd: number }[] };
    const session = (sid: string): { status: string; costUsd: number } => status.sessions.find((x) => x.sessionId === sid)!;
    expect(['paused', 'interrupted']).toContain(session(byId.S!.sessionIds[0]!).status);
    expect(session(byId.S!.sessionIds[1]!).status).toBe('completed');

    // Each retry's (and the restart's) first model call carried what happened before.
    const firstCall = (scenario: string, turnIndex: number): string => d.turns(scenario).find((r) => r.turnIndex === turnIndex)!.rawBody;
    const qRetryPrompt = firstCall('q', qFirst.length);
    expect(qRetryPrompt).toMatch(/merge conflict with/);
    expect(qRetryPrompt).toContain(`git merge ${integration}`);
    expect(firstCall('g', gFirst.length)).toMatch(/gate test regressed/);
    expect(firstCall('s', 1)).toMatch(/This continues earlier sessions/);
    // The hung call and the restarted session's calls belong to two different Claude Code sessions.
    expect(new Set(d.turns('s').map((r) => r.conversation)).size).toBe(2);

    // The integration branch has every issue's change; every issue branch is in it; the tracker closed all six.
    const at = (file: string): string => g(repo, 'show', `${integration}:${file}`);
    expect(at('shared.txt')).toBe('P\nQ\n');
    expect(at('gate.txt')).toBe('ok: G was here\n');
    for (const f of ['S', 'A', 'B']) expect(at(`${f}.txt`)).toBe(`${f}\n`);
    for (const i of ['P', 'Q', 'S', 'G', 'A', 'B']) g(repo, 'merge-base', '--is-ancestor', `orch/${id}/${i}`, integration);
    expect(readFileSync(tasks, 'utf8').match(/status: closed/g)).toHaveLength(6);

    // The user's checkout (branch, index, working tree, other branches) is as it was.
    const after = userState(repo);
    expect({ ...after, branches: after.branches.split('\n').filter((l) => !l.startsWith('refs/heads/orch/')).join('\n') }).toEqual(before);

    // Cost: what Claude Code reported, session by session (its stream-json result lines) …
    const logs = path.join(g(repo, 'rev-parse', '--path-format=absolute', '--git-common-dir').trim(), 'orch', 'logs');
    const reported = readdirSync(logs)
      .filter((f) => f.startsWith('mx-') && f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(path.join(logs, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { type?: string; total_cost_usd?: number })
      .filter((e) => e.type === 'result')
      .map((e) => e.total_cost_usd!);
    // Nine sessions. The stalled one is stopped with SIGINT first: Claude Code may end its turn and
    // print a result (for $0: the model never answered) before SIGTERM follows, or not.
    expect(reported.length).toBeGreaterThanOrEqual(8);
    expect(reported.length).toBeLessThanOrEqual(9);
    const claudeTotal = reported.reduce((x, y) => x + y, 0);
    // … is the list price of the scripted tokens, per issue …
    const expected = { P: costOf(p), Q: costOf(qFirst) + costOf(qRetry), S: costOf(sRestarted), G: costOf(gFirst) + costOf(gRetry), A: costOf(a), B: costOf(b) };
    for (const [i, usd] of Object.entries(expected)) expect(byId[i]!.costUsd, i).toBeCloseTo(usd, 6);
    expect(session(byId.Q!.sessionIds[0]!).costUsd).toBeCloseTo(costOf(qFirst), 6);
    expect(session(byId.G!.sessionIds[1]!).costUsd).toBeCloseTo(costOf(gRetry), 6);
    expect(session(byId.S!.sessionIds[0]!).costUsd).toBe(0);
    // … and the convoy's recorded spend is exactly their sum.
    const total = Object.values(expected).reduce((x, y) => x + y, 0);
    expect(claudeTotal).toBeCloseTo(total, 6);
    expect(show.spent).toBeCloseTo(claudeTotal, 6);
  }, 180_000);
});
