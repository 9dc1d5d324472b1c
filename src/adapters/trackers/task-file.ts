import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { OrchError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports.ts';
import { readyIssues } from '../../core/tracker/deps.ts';
import type { IssuePatch, ListQuery, NewIssue, ReadyQuery, Tracker, TrackerDependency, TrackerIssue } from '../../core/tracker/types.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { queueKey, serialise } from './queue.ts';
import type { TaskDoc } from './task-doc.ts';
import { MarkdownTaskDoc } from './task-file-markdown.ts';
import { YamlTaskDoc } from './task-file-yaml.ts';

export interface TaskFileTrackerOptions {
  path: string;
  /** Default: by extension (.yaml/.yml → yaml, anything else → markdown). */
  format?: 'yaml' | 'markdown';
  clock?: Clock;
}

export function taskFileFormat(file: string): 'yaml' | 'markdown' {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'markdown';
}

/** A tracker over one task file (YAML or a markdown checklist) for projects without beads. */
export class TaskFileTracker implements Tracker {
  readonly kind = 'task-file' as const;
  private readonly file: string;
  private readonly format: 'yaml' | 'markdown';
  private readonly clock: Clock;
  private readonly key: string;

  constructor(opts: TaskFileTrackerOptions) {
    this.file = path.resolve(opts.path);
    this.format = opts.format ?? taskFileFormat(opts.path);
    this.clock = opts.clock ?? { now: () => new Date() };
    this.key = `task-file:${queueKey(this.file)}`;
  }

  /**
   * The task file, parsed. A parse is kept with its text until a change uses it: when the file
   * still holds exactly that text (a dispatcher reading back its own last write), it is that
   * parse again; a file changed by anyone else is parsed afresh.
   */
  private async load(forChange: boolean): Promise<TaskDoc> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new OrchError('not_found', `task file not found: ${this.file}`, { hint: 'create it (YAML `tasks:` list or a markdown `- [ ] T1: title` checklist), or use beads' });
      }
      throw e;
    }
    const kept = this.parsed;
    if (kept?.text === text) {
      if (forChange) this.parsed = null;
      return kept.doc;
    }
    const doc = this.format === 'yaml' ? new YamlTaskDoc(text, this.file) : new MarkdownTaskDoc(text);
    this.parsed = forChange ? null : { text, doc };
    return doc;
  }

  private parsed: { text: string; doc: TaskDoc } | null = null;

  /** Callers get copies: the kept parse must not change under them or by them. */
  private read<T>(fn: (tasks: TrackerIssue[]) => T): Promise<T> {
    return serialise(this.key, async () => structuredClone(fn((await this.load(false)).tasks)));
  }

  /**
   * Read, change (`fn` answers the id it touched), write atomically, answer from a fresh read.
   * Changes asked for while the file is busy are written together: a dispatcher claiming or
   * closing several issues at once writes the file once. A change that fails leaves the others.
   */
  private mutate(fn: (doc: TaskDoc) => string): Promise<TrackerIssue> {
    return new Promise((resolve, reject) => {
      this.pending.push({ fn, resolve, reject });
      if (this.pending.length === 1) void serialise(this.key, () => this.flush());
    });
  }

  private pending: { fn: (doc: TaskDoc) => string; resolve: (t: TrackerIssue) => void; reject: (e: unknown) => void }[] = [];

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const applied: { change: (typeof batch)[number]; target: string }[] = [];
    try {
      let doc = await this.load(true);
      for (const change of batch) {
        try {
          applied.push({ change, target: change.fn(doc) });
        } catch (e) {
          change.reject(e);
          // It may have changed the document before failing: start again from the file, without it.
          doc = await this.load(true);
          for (const a of applied) a.change.fn(doc);
        }
      }
      if (applied.length === 0) return;
      await writeFileAtomic(this.file, doc.render());
      const tasks = (await this.load(false)).tasks;
      for (const { change, target } of applied) {
        const t = tasks.find((x) => x.id === target);
        if (t === undefined) change.reject(new OrchError('corrupt', `task ${target} vanished from ${this.file} after writing it`));
        else change.resolve(structuredClone(t));
      }
    } catch (e) {
      for (const b of batch) b.reject(e); // a settled promise ignores this
    }
  }

  private static find(tasks: readonly TrackerIssue[], id: string): TrackerIssue {
    const t = tasks.find((x) => x.id === id);
    if (t === undefined) throw new OrchError('not_found', `task ${id} not found in the task file`);
    return t;
  }

  private static descends(tasks: readonly TrackerIssue[], t: TrackerIssue, ancestor: string): boolean {
    const seen = new Set<string>();
    for (let p = t.parent; p !== null && !seen.has(p); p = tasks.find((x) => x.id === p)?.parent ?? null) {
      if (p === ancestor) return true;
      seen.add(p);
    }
    return false;
  }

  ready(q: ReadyQuery = {}): Promise<TrackerIssue[]> {
    return this.read((tasks) => {
      const ready = readyIssues(tasks).filter((t) => q.parent === undefined || TaskFileTracker.descends(tasks, t, q.parent));
      return q.limit !== undefined && q.limit > 0 ? ready.slice(0, q.limit) : ready;
    });
  }

  list(q: ListQuery = {}): Promise<TrackerIssue[]> {
    return this.read((tasks) =>
      tasks.filter((t) => (q.status === undefined || t.status === q.status) && (q.parent === undefined || TaskFileTracker.descends(tasks, t, q.parent))),
    );
  }

  show(ids: readonly string[]): Promise<TrackerIssue[]> {
    return this.read((tasks) => [...new Set(ids)].map((id) => TaskFileTracker.find(tasks, id)));
  }

  async claim(id: string, assignee: string): Promise<TrackerIssue> {
    const after = await this.mutate((doc) => {
      const t = TaskFileTracker.find(doc.tasks, id);
      if (t.assignee !== null && t.assignee !== assignee) throw new OrchError('lock_held', `${id} is already claimed by ${t.assignee}`);
      if (t.status === 'in_progress' && t.assignee === assignee) return id; // idempotent, like bd
      if (t.status !== 'open') throw new OrchError('illegal_transition', `cannot claim ${id}: it is ${t.status}`);
      doc.setStatus(id, 'in_progress');
      doc.setAssignee(id, assignee);
      return id;
    });
    if (after.assignee !== assignee || after.status !== 'in_progress') {
      throw new OrchError('corrupt', `claim of ${id} did not stick in ${this.file} (reads ${after.status}, ${after.assignee ?? 'unassigned'})`);
    }
    return after;
  }

  update(id: string, patch: IssuePatch): Promise<TrackerIssue> {
    return this.mutate((doc) => {
      TaskFileTracker.find(doc.tasks, id);
      if (patch.status !== undefined) doc.setStatus(id, patch.status);
      if (patch.notes !== undefined && patch.notes !== '') doc.appendNotes(id, patch.notes);
      for (const [k, v] of Object.entries(patch.metadata ?? {})) doc.setMetadata(id, k, v);
      return id;
    });
  }

  close(id: string, reason: string): Promise<TrackerIssue> {
    return this.mutate((doc) => {
      const t = TaskFileTracker.find(doc.tasks, id);
      if (t.status === 'closed') return id;
      // Same close guard as beads: open `blocks` dependencies keep an issue open.
      const open = t.dependencies.filter((d) => d.type === 'blocks' && doc.tasks.some((x) => x.id === d.id && x.status !== 'closed'));
      if (open.length > 0) throw new OrchError('illegal_transition', `cannot close ${id}: blocked by open ${open.map((d) => d.id).join(', ')}`, { hint: 'close its blockers first' });
      doc.close(id, reason, this.clock.now().toISOString());
      return id;
    });
  }

  create(input: NewIssue): Promise<TrackerIssue> {
    return this.mutate((doc) => {
      const deps: TrackerDependency[] = [];
      for (const ref of [input.discoveredFrom, input.parent]) if (ref !== undefined) TaskFileTracker.find(doc.tasks, ref);
      if (input.discoveredFrom !== undefined) deps.push({ id: input.discoveredFrom, type: 'discovered-from' });
      const id = nextId(doc.tasks.map((t) => t.id));
      doc.addTask({ id, title: input.title, description: input.description, type: input.type, priority: input.priority, deps, parent: input.parent, labels: input.labels ?? [] });
      return id;
    });
  }

  async comment(id: string, text: string): Promise<void> {
    await this.mutate((doc) => {
      TaskFileTracker.find(doc.tasks, id);
      doc.addComment(id, text);
      return id;
    });
  }
}

/** Continue the file's own numbering (`T7` after `T6`), most common prefix wins; `T1` when empty. */
export function nextId(ids: readonly string[]): string {
  const byPrefix = new Map<string, number[]>();
  for (const id of ids) {
    const m = /^(.*?)(\d+)$/.exec(id);
    const [, prefix, num] = m ?? [];
    if (prefix !== undefined && num !== undefined) byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), Number(num)]);
  }
  const [prefix, nums] = [...byPrefix.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['T', [0]];
  const taken = new Set(ids);
  let n = Math.max(...nums) + 1;
  while (taken.has(`${prefix}${n}`)) n++;
  return `${prefix}${n}`;
}
