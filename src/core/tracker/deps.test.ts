import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrchError } from '../errors.ts';
import { findCycle, readyIssues, topoOrder } from './deps.ts';
import { BLOCKING_KINDS, type TrackerDependency, type TrackerIssue } from './types.ts';

function issue(id: string, p: Partial<TrackerIssue> = {}, deps: [string, string][] = []): TrackerIssue {
  const dependencies: TrackerDependency[] = deps.map(([depId, type]) => ({ id: depId, type }));
  return {
    id, title: id, description: '', acceptance: '', notes: '', status: 'open', priority: 2, type: 'task', assignee: null, labels: [],
    dependencies, parent: dependencies.find((d) => d.type === 'parent-child')?.id ?? null, createdAt: null, updatedAt: null, closedAt: null,
    closeReason: null, ephemeral: false, deferUntil: null, metadata: {}, ...p,
  };
}
const ids = (xs: TrackerIssue[]): string[] => xs.map((x) => x.id);

describe('readyIssues', () => {
  it('holds back issues with an unresolved blocker of any blocking kind, not other kinds', () => {
    const all = [
      issue('a'),
      issue('b', {}, [['a', 'blocks']]),
      issue('c', {}, [['a', 'conditional-blocks']]),
      issue('d', {}, [['a', 'waits-for']]),
      issue('e', {}, [['a', 'discovered-from'], ['a', 'related'], ['a', 'tracks']]),
      issue('f', { status: 'closed' }),
      issue('g', {}, [['f', 'blocks']]),
    ];
    expect(ids(readyIssues(all))).toEqual(['a', 'e', 'g']);
  });

  it('only open issues are ready (in_progress, hooked, blocked, deferred, closed are not)', () => {
    const all = ['open', 'in_progress', 'hooked', 'blocked', 'deferred', 'closed', 'pinned'].map((s) => issue(s, { status: s }));
    expect(ids(readyIssues(all))).toEqual(['open']);
  });

  it('an open parent does not block its children; a blocked, deferred or waiting ancestor does', () => {
    const all = [
      issue('epic'),
      issue('child', {}, [['epic', 'parent-child']]),
      issue('held', { status: 'blocked' }),
      issue('heldkid', {}, [['held', 'parent-child']]),
      issue('grand', { status: 'deferred' }),
      issue('mid', { status: 'closed' }, [['grand', 'parent-child']]),
      issue('leaf', {}, [['mid', 'parent-child']]),
      issue('waiting', {}, [['epic', 'blocks']]),
      issue('waitkid', {}, [['waiting', 'parent-child']]),
    ];
    expect(ids(readyIssues(all))).toEqual(['epic', 'child']);
  });

  it('ephemeral (wisps) are never ready; deferred ones only once `now` is past deferUntil', () => {
    const all = [issue('wisp', { ephemeral: true }), issue('later', { deferUntil: '2026-03-01T00:00:00Z' }), issue('plain')];
    expect(ids(readyIssues(all))).toEqual(['plain']);
    expect(ids(readyIssues(all, { now: new Date('2026-02-01T00:00:00Z') }))).toEqual(['plain']);
    expect(ids(readyIssues(all, { now: new Date('2026-03-02T00:00:00Z') }))).toEqual(['later', 'plain']);
  });

  it('sorts by priority (0 first), input order among equals', () => {
    const all = [issue('x', { priority: 2 }), issue('y', { priority: 0 }), issue('z', { priority: 2 }), issue('w', { priority: 1 })];
    expect(ids(readyIssues(all))).toEqual(['y', 'w', 'x', 'z']);
  });

  it('edges to ids outside the set do not block unless asked to', () => {
    const all = [issue('a', {}, [['gone', 'blocks']])];
    expect(ids(readyIssues(all))).toEqual(['a']);
    expect(ids(readyIssues(all, { unknownBlocks: true }))).toEqual([]);
  });

  it('survives a parent-child loop', () => {
    const all = [issue('a', {}, [['b', 'parent-child']]), issue('b', {}, [['a', 'parent-child']])];
    expect(ids(readyIssues(all))).toEqual(['a', 'b']);
  });
});

describe('findCycle / topoOrder', () => {
  it('names the cycle', () => {
    const all = [issue('a', {}, [['c', 'blocks']]), issue('b', {}, [['a', 'blocks']]), issue('c', {}, [['b', 'blocks']]), issue('d', {}, [['a', 'blocks']])];
    const cycle = findCycle(all);
    if (cycle === null) throw new Error('expected a cycle');
    expect(cycle[0]).toBe(cycle.at(-1));
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
    expect(() => topoOrder(all)).toThrow(OrchError);
    expect(() => topoOrder(all)).toThrow(`dependency cycle: ${cycle.join(' → ')}`);
  });

  it('a self-dependency is a cycle of one', () => {
    expect(findCycle([issue('a', {}, [['a', 'blocks']])])).toEqual(['a', 'a']);
  });

  it('orders blockers first, priority among the free ones; parent-child and related do not order', () => {
    const all = [
      issue('deploy', { priority: 0 }, [['test', 'blocks']]),
      issue('test', { priority: 1 }, [['build', 'blocks']]),
      issue('docs', { priority: 3 }, [['deploy', 'related']]),
      issue('build', { priority: 2 }, [['docs', 'parent-child']]),
      issue('lint', { priority: 1 }),
    ];
    expect(findCycle(all)).toBeNull();
    expect(ids(topoOrder(all))).toEqual(['lint', 'build', 'test', 'deploy', 'docs']);
  });
});

const STATUSES = ['open', 'open', 'in_progress', 'closed', 'blocked', 'deferred'] as const;
const KINDS = ['blocks', 'parent-child', 'related', 'discovered-from', 'conditional-blocks', 'waits-for'] as const;
const graphs = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.tuple(
    fc.array(fc.tuple(fc.constantFrom(...STATUSES), fc.integer({ min: 0, max: 4 })), { minLength: n, maxLength: n }),
    fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n + 1), fc.constantFrom(...KINDS)), { maxLength: n * 3 }),
  ).map(([nodes, edges]) =>
    nodes.map(([status, priority], i) =>
      // Targets n, n+1 are outside the set: dangling edges must be handled too.
      issue(`i${i}`, { status, priority }, edges.filter(([from]) => from === i).map(([, to, kind]): [string, string] => [`i${to}`, kind])),
    ),
  ),
);

describe('properties', () => {
  it('readyIssues never returns an issue with an open blocker, a held ancestor, or a status other than open', () => {
    fc.assert(
      fc.property(graphs, (all) => {
        const byId = new Map(all.map((i) => [i.id, i]));
        const held = (i: TrackerIssue): boolean => i.dependencies.some((d) => BLOCKING_KINDS.has(d.type) && (byId.get(d.id)?.status ?? 'closed') !== 'closed');
        for (const r of readyIssues(all)) {
          expect(r.status).toBe('open');
          expect(held(r)).toBe(false);
          const seen = new Set<string>();
          for (let parent = byId.get(r.parent ?? ''); parent !== undefined && !seen.has(parent.id); parent = byId.get(parent.parent ?? '')) {
            seen.add(parent.id);
            expect(['blocked', 'deferred']).not.toContain(parent.status);
            expect(held(parent)).toBe(false);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('topoOrder puts every in-set blocker first, or throws naming a real cycle', () => {
    fc.assert(
      fc.property(graphs, (all) => {
        const edges = all.flatMap((i) => i.dependencies.filter((d) => BLOCKING_KINDS.has(d.type) && all.some((x) => x.id === d.id)).map((d) => [d.id, i.id] as const));
        const cycle = findCycle(all);
        if (cycle === null) {
          const pos = new Map(topoOrder(all).map((i, n) => [i.id, n]));
          expect(pos.size).toBe(all.length);
          for (const [blocker, blocked] of edges) expect(pos.get(blocker) ?? Infinity).toBeLessThan(pos.get(blocked) ?? -1);
        } else {
          expect(() => topoOrder(all)).toThrow(/dependency cycle/);
          for (let k = 0; k + 1 < cycle.length; k++) expect(edges).toContainEqual([cycle[k], cycle[k + 1]]);
        }
      }),
      { numRuns: 400 },
    );
  });
});
