import path from 'node:path';
import { openGitDeps } from './adapters/open.ts';
import type { CoreDeps } from './core/deps.ts';
import type { CheckpointPolicy } from './core/policy.ts';
import { writeCheckpoint as writeCore, type CheckpointRequest } from './core/session/checkpoint.ts';
import { completeSession as completeCore, pauseSession as pauseCore } from './core/session/finish.ts';
import { startSession as startCore, type StartOptions, type StartResult } from './core/session/start.ts';
import { openBriefTracker } from './adapters/brief/tracker-config.ts';
import { gitHistory } from './adapters/git/history.ts';
import type { Outcome, Session } from './core/session/types.ts';
import type { Checkpoint } from './schema/checkpoint.ts';
import type { OrchestrationContext } from './schema/context.ts';

/** The seed's SessionConfig. */
export interface SessionConfig {
  epicId: string;
  resume: boolean;
  budget?: number | null;
  background: boolean;
  checkpointPolicy?: CheckpointPolicy;
  /** The repository (default: process.cwd()). */
  cwd?: string;
  goal?: string;
  task?: string;
}

export interface StartedSession {
  session: Session;
  context: OrchestrationContext;
  resumeBrief: string | null;
  /** The 80 % budget warning, given once per budget. */
  warning: string | null;
}

const repoOf = (cwd?: string): string => path.resolve(cwd ?? process.cwd());
const depsFor = async (cwd?: string): Promise<CoreDeps> => (await openGitDeps(repoOf(cwd))).deps;

/** The repository's deps plus what a resume brief reads besides checkpoints: git history and the configured tracker. */
async function startDeps(cwd: string, resume: boolean): Promise<{ deps: CoreDeps; brief: Pick<StartOptions, 'history' | 'briefTracker'> }> {
  const { deps, repo } = await openGitDeps(cwd);
  return { deps, brief: { history: gitHistory(repo.top), ...(resume ? { briefTracker: await openBriefTracker(repo.top) } : {}) } };
}

function started(r: StartResult, cwd: string): StartedSession {
  return { session: { ...r.session, cwd }, context: r.context, resumeBrief: r.resumeBrief, warning: r.warning };
}

/** Start a session of an epic (or resume the newest with `resume: true`); checkpoints it at once. */
export async function startSession(config: SessionConfig): Promise<StartedSession> {
  const cwd = repoOf(config.cwd);
  const { deps, brief } = await startDeps(cwd, config.resume);
  const r = await startCore(deps, {
    ...brief,
    epicId: config.epicId,
    resume: config.resume,
    budget: config.budget,
    goal: config.goal,
    task: config.task,
  });
  return started(r, cwd);
}

/** Pause: stores a checkpoint with the work in progress and returns it. */
export async function pauseSession(session: Session, context: OrchestrationContext, reason: string): Promise<Checkpoint> {
  return pauseCore(await depsFor(session.cwd), session, context, reason);
}

/** Continue the newest session of an epic in a new one, with its context and a resume brief. */
export async function resumeSession(epicId: string, opts: { cwd?: string; budget?: number } = {}): Promise<StartedSession> {
  const cwd = repoOf(opts.cwd);
  const { deps, brief } = await startDeps(cwd, true);
  return started(await startCore(deps, { ...brief, epicId, resume: true, budget: opts.budget }), cwd);
}

/** Complete: `success`/`partial` end completed, `failure` ends failed; a final checkpoint. */
export async function completeSession(session: Session, context: OrchestrationContext, outcome: Outcome): Promise<Checkpoint> {
  return completeCore(await depsFor(session.cwd), session, context, outcome);
}

/** An extra checkpoint of a running session (policy interval, cost threshold, agent result…). */
export async function checkpointSession(session: Session, context: OrchestrationContext, req: CheckpointRequest): Promise<Checkpoint> {
  return writeCore(await depsFor(session.cwd), session, context, req);
}
