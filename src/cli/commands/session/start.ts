import { runProjectGates } from '../../../adapters/gates/project-gates.ts';
import { gitHistory } from '../../../adapters/git/history.ts';
import { startSession } from '../../../core/session/start.ts';
import { openBriefTracker } from '../../../adapters/brief/tracker-config.ts';
import { openFromOptions } from '../../context.ts';
import { output, warn, type CommonOptions } from '../../io.ts';
import { renderBudget } from '../../render/session.ts';

interface Opts extends CommonOptions {
  epic: string;
  budget?: string;
  resume?: boolean;
  goal?: string;
  task?: string;
  run?: string;
  gates?: boolean;
}

export async function run(o: Opts): Promise<number> {
  if (o.run !== undefined) {
    // `session start --run "task"` is `orch run` with its defaults.
    const { run: runTask } = await import('../run.ts');
    const base = { epic: o.epic, agent: 'claude', maxSessions: '5', stallTimeout: '10', maxFailures: '3', checkpointInterval: '15' };
    return runTask({ ...base, ...(o.budget !== undefined ? { budget: o.budget } : {}), ...(o.json ? { json: true } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) }, [o.run]);
  }
  const { deps, repo } = await openFromOptions(o);
  const baseline = o.gates === false ? null : await runProjectGates(repo.top, deps.clock);
  // A resumed session's brief lists the tracker's issues when .orch/config.yaml names a tracker.
  const briefTracker = o.resume === true ? await openBriefTracker(repo.top) : undefined;
  const r = await startSession(deps, {
    baseline,
    briefTracker,
    history: gitHistory(repo.top),
    epicId: o.epic,
    resume: o.resume === true,
    budget: o.budget,
    goal: o.goal,
    task: o.task,
  });
  if (r.warning && !o.json) warn(r.warning);
  output(o, { session: r.session, context: r.context, budget: r.budget, warning: r.warning, interrupted: r.interrupted, resumeBrief: r.resumeBrief }, (d) =>
    [
      ...d.interrupted.map((s) => `session ${s} was still running (never paused): marked interrupted, its recorded cost kept`),
      `started session ${d.session.number} (${d.session.id}) of epic ${d.session.epicId}`,
      `budget: ${renderBudget(d.budget)}`,
      ...(baseline ? [`gates baseline: ${baseline.results.map((g) => `${g.name} ${g.status}`).join(', ')}`] : []),
      ...(d.resumeBrief ? ['', d.resumeBrief] : []),
    ].join('\n'),
  );
  return 0;
}
