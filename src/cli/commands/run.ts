import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { ORCH_BIN } from '../../adapters/package-root.ts';
import { clearLive, logsDir, readLive, reapDeadRun, writeJsonAtomic, liveFile, pidAlive, type LiveRun } from '../../adapters/run-state.ts';
import { createAgent, parseAgentChoice, runPorts } from '../../adapters/run-wiring.ts';
import { OrchError } from '../../core/errors.ts';
import { DEFAULT_CHECKPOINT_POLICY } from '../../core/policy.ts';
import { DEFAULT_ALLOWED_TOOLS } from '../../core/run/prompt.ts';
import { assertRunnable, runEpic } from '../../core/run/run-epic.ts';
import type { RunOptions, RunProgress } from '../../core/run/types.ts';
import { parseBudget, validateId } from '../../core/validate.ts';
import { openFromOptions } from '../context.ts';
import { note, output, usageError, type CommonOptions } from '../io.ts';
import { liveLine, progressText, renderRunReport } from '../render/run.ts';

export interface RunCliOptions extends CommonOptions {
  epic: string;
  budget?: string;
  agent: string;
  command?: string;
  costField?: string;
  maxSessions: string;
  sessionTimeout?: string;
  stallTimeout: string;
  resumeAgent?: boolean;
  background?: boolean;
  maxFailures: string;
  checkpointInterval: string;
  maxTurns?: string;
  model?: string;
  allowedTools?: string;
  gates?: boolean;
  reviewEvery?: string;
}

const minutes = (flag: string, v: string): number => {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n > 0)) throw usageError(`invalid ${flag} ${JSON.stringify(v)}: give minutes > 0, e.g. 30 or 0.5`);
  return Math.round(n * 60_000);
};
const whole = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usageError(`invalid ${flag} ${JSON.stringify(v)}: give a whole number ≥ 1`);
  return n;
};

function toRunOptions(o: RunCliOptions, task: string): RunOptions {
  return {
    epicId: validateId('epic', o.epic),
    task,
    budget: o.budget === undefined ? undefined : parseBudget(o.budget),
    maxSessions: whole('--max-sessions', o.maxSessions),
    sessionTimeoutMs: o.sessionTimeout === undefined ? undefined : minutes('--session-timeout', o.sessionTimeout),
    stallMs: minutes('--stall-timeout', o.stallTimeout),
    resumeAgent: o.resumeAgent === true,
    maxConsecutiveFailures: whole('--max-failures', o.maxFailures),
    policy: { ...DEFAULT_CHECKPOINT_POLICY, intervalMinutes: minutes('--checkpoint-interval', o.checkpointInterval) / 60_000 },
    allowedTools: o.allowedTools?.split(',').map((t) => t.trim()).filter(Boolean) ?? [...DEFAULT_ALLOWED_TOOLS],
    model: o.model,
    maxTurns: o.maxTurns === undefined ? undefined : whole('--max-turns', o.maxTurns),
    reviewEvery: o.reviewEvery === undefined ? undefined : whole('--review-every', o.reviewEvery),
  };
}

/** The same run as argv, without --background (for the detached copy). */
function runArgv(o: RunCliOptions, task: string): string[] {
  const flag = (name: string, v: string | undefined): string[] => (v === undefined ? [] : [name, v]);
  return [
    '--epic', o.epic, ...flag('--budget', o.budget), '--agent', o.agent, ...flag('--command', o.command), ...flag('--cost-field', o.costField),
    '--max-sessions', o.maxSessions, ...flag('--session-timeout', o.sessionTimeout), '--stall-timeout', o.stallTimeout, ...(o.resumeAgent ? ['--resume-agent'] : []),
    '--max-failures', o.maxFailures, '--checkpoint-interval', o.checkpointInterval, ...flag('--max-turns', o.maxTurns), ...flag('--model', o.model),
    ...flag('--allowed-tools', o.allowedTools), ...(o.gates === false ? ['--no-gates'] : []), ...flag('--review-every', o.reviewEvery), ...flag('--cwd', o.cwd), '--', task,
  ];
}

/** Detach a copy of this run; its output goes to a log file. */
function launchBackground(o: RunCliOptions, task: string, logPath: string): number {
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [ORCH_BIN, 'run', ...runArgv(o, task)], {
    cwd: o.cwd ?? process.cwd(),
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ORCH_BACKGROUND_LOG: logPath, NO_COLOR: '1' },
  });
  child.unref();
  return child.pid ?? -1;
}

export async function run(o: RunCliOptions, [task = '']: string[]): Promise<number> {
  const opts = toRunOptions(o, task);
  assertRunnable(opts);
  const agent = createAgent(parseAgentChoice(o.agent, o.command, o.costField));
  const { deps, repo } = await openFromOptions(o);
  await agent.check(repo.top, process.env);
  const reaped = await reapDeadRun(repo, opts.epicId);
  if (reaped.stale) note(`a previous orch run of ${opts.epicId} (pid ${reaped.stale.pid}) died without cleaning up${reaped.killedAgent ? '; its agent was still running and has been stopped' : ''}`);
  const running = readLive(repo, opts.epicId);
  if (running && running.pid !== process.pid && pidAlive(running.pid)) {
    throw new OrchError('lock_held', `an orch run of epic ${opts.epicId} is already running (pid ${running.pid})`, { hint: `watch it with orch session status --epic ${opts.epicId}, stop it with orch session stop --epic ${opts.epicId}` });
  }
  mkdirSync(logsDir(repo), { recursive: true });
  if (o.background) {
    const logPath = path.join(logsDir(repo), `${opts.epicId}-run-${Date.now()}.log`);
    const pid = launchBackground(o, task, logPath);
    output(o, { background: true, pid, logPath }, (d) => `orch run started in the background: pid ${d.pid}\nlog: ${d.logPath}\nwatch: orch session status --epic ${opts.epicId} · stop: orch session stop --epic ${opts.epicId}`);
    return 0;
  }
  return runForeground(o, opts, deps, repo, agent);
}

async function runForeground(o: RunCliOptions, opts: RunOptions, deps: Awaited<ReturnType<typeof openFromOptions>>['deps'], repo: Awaited<ReturnType<typeof openFromOptions>>['repo'], agent: ReturnType<typeof createAgent>): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const live: LiveRun = { pid: process.pid, epicId: opts.epicId, startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(), logPath: process.env.ORCH_BACKGROUND_LOG ?? null, background: process.env.ORCH_BACKGROUND_LOG !== undefined, sessionNumber: null, sessionId: null, turns: 0, spentEstimate: 0, budget: null, agentPid: null, state: 'starting' };
  writeJsonAtomic(liveFile(repo, opts.epicId), live);
  let lastWrite = 0;
  const tty = process.stderr.isTTY && !o.json;
  const onProgress = (p: RunProgress): void => {
    if (o.json) process.stdout.write(JSON.stringify({ type: `run.${p.kind}`, ...p }) + '\n');
    if (p.kind === 'session') Object.assign(live, { sessionNumber: p.sessionNumber, sessionId: p.sessionId, turns: 0, state: 'running' });
    // A new agent pid is written at once: a later run must find it to stop an orphaned agent.
    const newPid = p.kind === 'agent' && p.pid !== live.agentPid;
    if (p.kind === 'agent') {
      Object.assign(live, { turns: p.turns, spentEstimate: p.spentEstimate, budget: p.budget, agentPid: p.pid });
      if (tty) process.stderr.write(`\r\x1b[2K${liveLine(p)}`);
    } else if (!o.json) {
      const text = progressText(p);
      if (text) process.stderr.write(`${tty ? '\r\x1b[2K' : ''}${text}\n`);
    }
    if (Date.now() - lastWrite > 500 || p.kind !== 'agent' || newPid) {
      lastWrite = Date.now();
      writeJsonAtomic(liveFile(repo, opts.epicId), { ...live, updatedAt: new Date().toISOString(), state: stop.signal.aborted ? 'stopping' : live.state });
    }
  };
  try {
    const report = await runEpic(runPorts({ deps, repo, agent, env: process.env, epicId: opts.epicId, stop: stop.signal, gates: o.gates !== false, onProgress }), opts);
    if (tty) process.stderr.write('\r\x1b[2K');
    if (o.json) process.stdout.write(JSON.stringify({ type: 'run.report', schemaVersion: 1, ...report }) + '\n');
    else output(o, report, renderRunReport);
    return report.stopReason === 'budget_exceeded' || report.stopReason === 'failures' ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    clearLive(repo, opts.epicId, process.pid);
  }
}
