import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { WORKER_EXIT_PREFIX, openTracker, progressFile } from '../../../adapters/convoy/wiring.ts';
import { git } from '../../../adapters/git/git.ts';
import { secretPathspecs, DEFAULT_SECRET_PATTERNS } from '../../../adapters/git/secrets.ts';
import { createAgent, runPorts } from '../../../adapters/run-wiring.ts';
import { GitConvoyStore } from '../../../adapters/store/convoy-store.ts';
import { OrchError } from '../../../core/errors.ts';
import { CONVOY_EVENT } from '../../../core/convoy/events.ts';
import { appendConvoy, workerTask } from '../../../core/convoy/runner.ts';
import { foldConvoy } from '../../../core/convoy/state.ts';
import { DEFAULT_CHECKPOINT_POLICY } from '../../../core/policy.ts';
import { DEFAULT_ALLOWED_TOOLS } from '../../../core/run/prompt.ts';
import { runEpic } from '../../../core/run/run-epic.ts';
import { openFromOptions } from '../../context.ts';
import type { CommonOptions } from '../../io.ts';

interface Opts extends CommonOptions {
  epic: string;
  convoy: string;
  issue: string;
  worker: string;
  attempt: string;
  share?: string;
  previous?: string;
}

/** One convoy worker (started by `convoy run`, in the issue's worktree): orch run's loop on one issue. */
export async function run(o: Opts): Promise<number> {
  const { deps, repo } = await openFromOptions(o);
  const store = new GitConvoyStore(repo, deps.clock, deps.ids);
  const convoy = await store.get(o.epic, o.convoy);
  if (!convoy) throw new OrchError('not_found', `no convoy ${o.convoy} in epic ${o.epic}`);
  const [issue] = await openTracker(convoy.tracker, repo.top).show([o.issue]);
  if (!issue) throw new OrchError('not_found', `no issue ${o.issue} in the convoy's tracker`);
  const st = foldConvoy(convoy, await store.events(o.epic, o.convoy));
  const agent = createAgent(convoy.agent.name === 'claude' ? { name: 'claude', ...(convoy.agent.bin ? { bin: convoy.agent.bin } : {}) } : { name: 'command', command: convoy.agent.command, ...(convoy.agent.costField ? { costField: convoy.agent.costField } : {}) });
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  process.on('SIGINT', () => stop.abort());
  const progress = progressFile(repo, o.convoy, o.worker);
  mkdirSync(path.dirname(progress), { recursive: true });
  let last = 0;
  const beat = (): void => {
    if (Date.now() - last < 500) return;
    last = Date.now();
    writeFileSync(progress, JSON.stringify({ pid: process.pid, issueId: o.issue, at: new Date().toISOString() }));
  };
  beat();
  const report = await runEpic(runPorts({ deps, repo, agent, env: process.env, epicId: o.epic, stop: stop.signal, gates: true, onProgress: beat }), {
    epicId: o.epic,
    task: workerTask(convoy, issue, st.issues.get(o.issue)?.reasons ?? []),
    maxSessions: convoy.sessionsPerAttempt,
    stallMs: 10 * 60_000,
    resumeAgent: false,
    maxConsecutiveFailures: 2,
    policy: DEFAULT_CHECKPOINT_POLICY,
    allowedTools: [...DEFAULT_ALLOWED_TOOLS],
    ...(convoy.agent.name === 'claude' && convoy.agent.model ? { model: convoy.agent.model } : {}),
    scope: {
      convoyId: o.convoy,
      issueId: o.issue,
      workerId: o.worker,
      previousSessionId: o.previous ?? null,
      budgetCap: o.share === undefined ? null : Number(o.share),
      onSession: async (sessionId) => {
        await appendConvoy(store, o.epic, o.convoy, [{ type: CONVOY_EVENT.session, issueId: o.issue, workerId: o.worker, orchSessionId: sessionId }]);
      },
    },
  });
  const done = report.stopReason === 'done';
  // The worker's branch carries its work: commit what the agent left uncommitted (never secrets).
  if (done) {
    const excludes = secretPathspecs(DEFAULT_SECRET_PATTERNS).map((p) => p.replace(':(glob)', ':(glob,exclude)'));
    await git(repo.top, ['add', '-A', '--', '.', ...excludes]);
    await git(repo.top, ['commit', '-q', '-m', `${o.issue}: ${issue.title} (orch convoy ${o.convoy})`], { allowFail: true });
  }
  const costs = report.sessions.map((s) => s.costUsd);
  const exit = {
    done,
    costUsd: costs.some((c) => c === null) ? null : costs.reduce<number>((a, c) => a + (c ?? 0), 0),
    summary: done ? 'done' : report.sessions.at(-1)?.reason ?? report.message,
    discovered: (report.lastResultText ?? '').split('\n').filter((l) => l.startsWith('DISCOVERED:')).map((l) => l.slice('DISCOVERED:'.length).trim()).filter(Boolean),
  };
  writeFileSync(progress, JSON.stringify({ pid: process.pid, issueId: o.issue, at: new Date().toISOString(), finished: true }));
  process.stdout.write(`${WORKER_EXIT_PREFIX}${JSON.stringify(exit)}\n`);
  return 0;
}
