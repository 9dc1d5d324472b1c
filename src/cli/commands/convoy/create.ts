import { openTracker } from '../../../adapters/trackers/open.ts';
import { gitText } from '../../../adapters/git/git.ts';
import { createConvoy } from '../../../core/convoy/create.ts';
import { OrchError } from '../../../core/errors.ts';
import { output, type CommonOptions } from '../../io.ts';
import { agentRef, openConvoys, trackerRef } from './common.ts';

interface Opts extends CommonOptions {
  epic: string;
  ready?: boolean;
  parent?: string;
  budget?: string;
  tasks?: string;
  beads?: string;
  agent?: string;
  command?: string;
  costField?: string;
  model?: string;
  maxAttempts: string;
  staleMinutes: string;
  maxRestarts: string;
  sessions: string;
  requireReview?: boolean;
}

export async function run(o: Opts, [name = '', ...issues]: string[]): Promise<number> {
  const { deps, repo, convoys } = await openConvoys(o);
  const tracker = trackerRef(repo.top, o);
  const base = (await gitText(repo.top, ['rev-parse', '-q', '--verify', 'HEAD']).catch(() => '')).trim();
  if (!base) throw new OrchError('usage', 'the repository has no commits: a convoy branches from HEAD', { hint: 'make a first commit' });
  const num = (flag: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new OrchError('usage', `invalid ${flag} ${JSON.stringify(v)}`);
    return n;
  };
  const c = await createConvoy(deps, convoys, openTracker(tracker, repo.top), {
    name,
    epicId: o.epic,
    issues,
    ready: o.ready === true,
    parent: o.parent,
    budget: o.budget,
    tracker,
    agent: agentRef(o),
    base,
    maxAttempts: num('--max-attempts', o.maxAttempts, 1),
    staleMinutes: num('--stale-minutes', o.staleMinutes, 0.01),
    maxRestarts: num('--max-restarts', o.maxRestarts, 0),
    sessionsPerAttempt: num('--sessions', o.sessions, 1),
    requireReview: o.requireReview === true,
  });
  output(o, { convoy: c }, (d) => `created convoy ${d.convoy.id} "${d.convoy.name}" with ${d.convoy.issues.length} issue(s): ${d.convoy.issues.join(', ')}\nrun it: orch convoy run ${d.convoy.id} --workers 3`);
  return 0;
}
