import type { AgentRef, Convoy, TrackerRef } from '../../schema/convoy.ts';
import type { CoreDeps } from '../deps.ts';
import { OrchError } from '../errors.ts';
import { newId } from '../ports.ts';
import { updateEpic } from '../session/epic.ts';
import { findCycle } from '../tracker/deps.ts';
import type { Tracker } from '../tracker/types.ts';
import { parseBudget, validateId } from '../validate.ts';
import { CONVOY_EVENT } from './events.ts';
import type { ConvoyStore } from './types.ts';

export interface CreateConvoyInput {
  name: string;
  epicId: string;
  /** Explicit ids, or (when empty) the tracker's ready issues. */
  issues: string[];
  ready: boolean;
  parent?: string | undefined;
  budget?: string | number | undefined;
  tracker: TrackerRef;
  agent: AgentRef;
  base: string;
  maxAttempts?: number;
  maxRestarts?: number;
  staleMinutes?: number;
  sessionsPerAttempt?: number;
  requireReview?: boolean;
}

/** Create a convoy: issues checked against the tracker, dependency cycles refused, nothing claimed yet. */
export async function createConvoy(deps: CoreDeps, store: ConvoyStore, tracker: Tracker, i: CreateConvoyInput): Promise<Convoy> {
  const epicId = validateId('epic', i.epicId);
  validateId('convoy name', i.name);
  if (i.ready === (i.issues.length > 0)) throw new OrchError('usage', 'give issue ids or --ready (one of them)', { hint: 'orch convoy create <name> <issue…> --epic E, or --ready [--parent P]' });
  const issues = i.ready ? (await tracker.ready(i.parent ? { parent: i.parent } : {})).map((x) => x.id) : [...new Set(i.issues)];
  if (issues.length === 0) throw new OrchError('usage', 'no ready issues to put in the convoy');
  const found = await showAll(tracker, issues);
  const known = new Set(found.map((x) => x.id));
  const unknown = issues.filter((id) => !known.has(id));
  if (unknown.length) throw new OrchError('usage', `unknown issue id(s): ${unknown.join(', ')}`, { hint: 'check the ids with your tracker (bd list, or the task file)' });
  const cycle = findCycle(found.map((x) => ({ ...x, dependencies: x.dependencies.filter((d) => known.has(d.id) && d.type !== 'discovered-from') })));
  if (cycle) throw new OrchError('usage', `dependency cycle between convoy issues: ${cycle.join(' → ')}`, { hint: 'break the cycle in the tracker first' });
  const budget = i.budget === undefined ? null : parseBudget(i.budget);
  if (!(await deps.store.getEpic(epicId))) await updateEpic(deps, epicId, (e) => ({ epic: e }));
  const at = deps.clock.now().toISOString();
  const id = newId(deps.ids, 'cv').toLowerCase();
  const convoy: Convoy = {
    schemaVersion: 1,
    id,
    name: i.name,
    epicId,
    issues,
    tracker: i.tracker,
    agent: i.agent,
    budget,
    base: i.base,
    integrationBranch: `orch/${id}/integration`,
    maxAttempts: i.maxAttempts ?? 3,
    maxRestarts: i.maxRestarts ?? 3,
    staleMinutes: i.staleMinutes ?? 20,
    sessionsPerAttempt: i.sessionsPerAttempt ?? 2,
    requireReview: i.requireReview ?? false,
    createdAt: at,
    updatedAt: at,
    cancelled: false,
  };
  const written = await store.append(convoy, [{ type: CONVOY_EVENT.created, issues }], null);
  if (!written) throw new OrchError('ref_conflict', `convoy ${id} already exists`);
  return written;
}

/** One batched look-up; if the tracker refuses it (beads fails on an unknown id), one by one to name the unknown. */
async function showAll(tracker: Tracker, ids: string[]): Promise<Awaited<ReturnType<Tracker['show']>>> {
  try {
    return await tracker.show(ids);
  } catch (e) {
    if (!(e instanceof OrchError) || e.code === 'agent_missing') throw e;
    const each = await Promise.all(ids.map((id) => tracker.show([id]).catch(() => [])));
    return each.flat();
  }
}

/** Find a convoy by id in any epic (ids are unique). */
export async function findConvoy(store: ConvoyStore, id: string, epicId?: string): Promise<Convoy> {
  const all = await store.list(epicId);
  const c = all.find((x) => x.id === id || x.name === id);
  if (!c) throw new OrchError('not_found', `no convoy ${id}${epicId ? ` in epic ${epicId}` : ''}`, { hint: 'list them with: orch convoy list' });
  return c;
}
