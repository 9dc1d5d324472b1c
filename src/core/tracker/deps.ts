import { OrchError } from '../errors.ts';
import { BLOCKING_KINDS, type TrackerIssue } from './types.ts';

export interface ReadyOptions {
  /** Statuses that resolve a blocker. Default: only `closed`. */
  doneStatuses?: ReadonlySet<string>;
  /**
   * Whether an edge to an id outside `issues` blocks. Default false: beads' ready view joins the
   * blocker row, so a dangling edge (e.g. to an ephemeral wisp) never holds an issue back.
   */
  unknownBlocks?: boolean;
  /** For `deferUntil`. Without it a deferred issue stays held (its time cannot be checked). */
  now?: Date;
}

const DONE: ReadonlySet<string> = new Set(['closed']);
/** Children of a parent in one of these are not ready, whatever the child's own state (§2.4). */
const HOLDING_PARENT: ReadonlySet<string> = new Set(['blocked', 'deferred']);

function parentOf(issue: TrackerIssue): string | null {
  return issue.parent ?? issue.dependencies.find((d) => d.type === 'parent-child')?.id ?? null;
}

function byPriority(issues: readonly TrackerIssue[], order = new Map(issues.map((i, n) => [i, n]))): TrackerIssue[] {
  return [...issues].sort((a, b) => a.priority - b.priority || (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

/**
 * Issues a worker may start now, with beads' semantics: status `open`, not ephemeral, not deferred
 * past `now`, no unresolved blocker
 * through a blocking kind, and no ancestor (via `parent-child`) that is blocked or deferred —
 * stored or computed. Highest priority first, input order among equals.
 */
export function readyIssues(issues: readonly TrackerIssue[], opts: ReadyOptions = {}): TrackerIssue[] {
  const done = opts.doneStatuses ?? DONE;
  const byId = new Map(issues.map((i) => [i.id, i]));
  const openBlocker = (issue: TrackerIssue): boolean =>
    issue.dependencies.some((d) => {
      if (!BLOCKING_KINDS.has(d.type)) return false;
      const target = byId.get(d.id);
      return target === undefined ? opts.unknownBlocks === true : !done.has(target.status);
    });
  const ancestorHeld = (issue: TrackerIssue): boolean => {
    const seen = new Set<string>([issue.id]);
    for (let p = parentOf(issue); p !== null && !seen.has(p); ) {
      seen.add(p);
      const parent = byId.get(p);
      if (parent === undefined) return false;
      if (HOLDING_PARENT.has(parent.status) || openBlocker(parent)) return true;
      p = parentOf(parent);
    }
    return false;
  };
  const deferred = (i: TrackerIssue): boolean => i.deferUntil !== null && (opts.now === undefined || Date.parse(i.deferUntil) > opts.now.getTime());
  return byPriority(issues.filter((i) => i.status === 'open' && !i.ephemeral && !deferred(i) && !openBlocker(i) && !ancestorHeld(i)));
}

/** Blocking edges inside the set, as blocker → dependants. */
function blockingGraph(issues: readonly TrackerIssue[]): Map<string, string[]> {
  const ids = new Set(issues.map((i) => i.id));
  const out = new Map<string, string[]>(issues.map((i) => [i.id, []]));
  for (const issue of issues) {
    for (const d of issue.dependencies) {
      if (BLOCKING_KINDS.has(d.type) && ids.has(d.id)) out.get(d.id)?.push(issue.id);
    }
  }
  return out;
}

/** A blocking cycle as a closed walk (`[a, b, a]`: a blocks b blocks a), or null when acyclic. */
export function findCycle(issues: readonly TrackerIssue[]): string[] | null {
  const graph = blockingGraph(issues);
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  // Iterative DFS: real trackers hold long chains, recursion could overflow.
  for (const root of graph.keys()) {
    if (state.has(root)) continue;
    const frames: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 'active');
    stack.push(root);
    for (let top = frames.at(-1); top !== undefined; top = frames.at(-1)) {
      const succ = graph.get(top.id) ?? [];
      const s = succ[top.next++];
      if (s !== undefined) {
        const st = state.get(s);
        if (st === 'active') return [...stack.slice(stack.indexOf(s)), s];
        if (st === undefined) {
          state.set(s, 'active');
          stack.push(s);
          frames.push({ id: s, next: 0 });
        }
      } else {
        state.set(top.id, 'done');
        stack.pop();
        frames.pop();
      }
    }
  }
  return null;
}

/**
 * Blockers before the issues they block (Kahn), priority then input order among the ready ones.
 * Throws `config_invalid` naming the cycle when there is one.
 */
export function topoOrder(issues: readonly TrackerIssue[]): TrackerIssue[] {
  const graph = blockingGraph(issues);
  const byId = new Map(issues.map((i) => [i.id, i]));
  const indegree = new Map(issues.map((i) => [i.id, 0]));
  for (const succ of graph.values()) for (const s of succ) indegree.set(s, (indegree.get(s) ?? 0) + 1);
  const order = new Map(issues.map((i, n) => [i, n]));
  let frontier = byPriority(issues.filter((i) => indegree.get(i.id) === 0), order);
  const out: TrackerIssue[] = [];
  for (let next = frontier.shift(); next !== undefined; next = frontier.shift()) {
    out.push(next);
    const freed: TrackerIssue[] = [];
    for (const s of graph.get(next.id) ?? []) {
      const d = (indegree.get(s) ?? 0) - 1;
      indegree.set(s, d);
      const freedIssue = d === 0 ? byId.get(s) : undefined;
      if (freedIssue !== undefined) freed.push(freedIssue);
    }
    if (freed.length > 0) frontier = byPriority([...frontier, ...freed], order);
  }
  if (out.length < byId.size) {
    const cycle = findCycle(issues) ?? [];
    throw new OrchError('config_invalid', `dependency cycle: ${cycle.join(' → ')}`, {
      hint: 'remove one of these dependencies (bd dep remove <issue> <blocker>, or edit the task file)',
    });
  }
  return out;
}
