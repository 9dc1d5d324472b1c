import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isSeq, parse, parseDocument, Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { z } from 'zod';
import { OrchError } from '../../core/errors.ts';
import type { TrackerIssue } from '../../core/tracker/types.ts';
import { depSpecs, TaskFileYaml, type TaskFileTask } from '../../schema/task-file.ts';
import { blankIssue, type NewTask, type TaskDoc } from './task-doc.ts';

/**
 * YAML task file edited through the yaml library's Document API: only the touched nodes change,
 * comments and the rest of the layout are re-emitted as they were.
 */
export class YamlTaskDoc implements TaskDoc {
  private readonly doc: Document;
  /** Keep the user's `- ` placement under `tasks:` (indented or flush). */
  private readonly indentSeq: boolean;
  private readonly original: string;
  tasks: TrackerIssue[] = [];

  constructor(text: string, file: string) {
    this.original = text;
    this.doc = parseDocument(text);
    const err = this.doc.errors[0];
    if (err !== undefined) throw new OrchError('config_invalid', `${file}: ${err.message.split('\n')[0] ?? 'invalid YAML'}`);
    if (this.doc.contents === null) this.doc.contents = this.doc.createNode({ tasks: [] });
    if (!isMap(this.doc.contents)) throw new OrchError('config_invalid', `${file}: expected a mapping with a \`tasks:\` list`);
    this.indentSeq = !/^tasks:[ \t]*\r?\n-[ \t]/m.test(text);
    this.refresh(file);
  }

  private refresh(file = 'task file'): void {
    const parsed = TaskFileYaml.safeParse(this.doc.toJS());
    if (!parsed.success) throw new OrchError('config_invalid', `${file}: ${z.prettifyError(parsed.error).split('\n').join('; ')}`);
    const tasks = (parsed.data.tasks ?? []).map(toIssue);
    const seen = new Set<string>();
    for (const t of tasks) {
      if (seen.has(t.id)) throw new OrchError('config_invalid', `${file}: task id ${t.id} appears twice`);
      seen.add(t.id);
    }
    this.tasks = tasks;
  }

  private seq(): YAMLSeq {
    let seq = this.doc.get('tasks', true);
    if (!isSeq(seq)) {
      seq = this.doc.createNode([]);
      this.doc.set('tasks', seq);
    }
    const s = seq as YAMLSeq;
    s.flow = false; // `tasks: []` grows into a block list
    return s;
  }

  private item(id: string): YAMLMap {
    const node = this.seq().items.find((n) => isMap(n) && String(n.get('id')) === id);
    if (!isMap(node)) throw new OrchError('not_found', `task ${id} not found in the task file`);
    return node;
  }

  private set(id: string, key: string, value: unknown): void {
    const item = this.item(id);
    item.set(key, value instanceof Scalar ? value : this.doc.createNode(value));
    this.refresh();
  }

  setStatus(id: string, status: string): void {
    this.set(id, 'status', status);
  }

  setAssignee(id: string, assignee: string): void {
    this.set(id, 'assignee', assignee);
  }

  appendNotes(id: string, text: string): void {
    const cur = this.item(id).get('notes');
    const next = typeof cur === 'string' && cur !== '' ? `${cur.replace(/\n+$/, '')}\n${text}` : text;
    const node = new Scalar(next);
    if (next.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
    this.set(id, 'notes', node);
  }

  setMetadata(id: string, key: string, value: string): void {
    const item = this.item(id);
    const md = item.get('metadata', true);
    if (isMap(md)) md.set(key, value);
    else item.set('metadata', this.doc.createNode({ [key]: value }));
    this.refresh();
  }

  close(id: string, reason: string, at: string): void {
    const item = this.item(id);
    item.set('status', 'closed');
    if (reason !== '') item.set('close_reason', reason);
    item.set('closed_at', at);
    this.refresh();
  }

  addComment(id: string, text: string): void {
    const item = this.item(id);
    const comments = item.get('comments', true);
    if (isSeq(comments)) comments.add(this.doc.createNode(text));
    else item.set('comments', this.doc.createNode([text]));
    this.refresh();
  }

  addTask(t: NewTask): void {
    const rec: Record<string, unknown> = { id: t.id, title: t.title };
    if (t.description !== '') rec['description'] = t.description;
    rec['status'] = 'open';
    if (t.type !== 'task') rec['type'] = t.type;
    if (t.priority !== 2) rec['priority'] = t.priority;
    if (t.parent !== undefined) rec['parent'] = t.parent;
    if (t.deps.length > 0) rec['deps'] = t.deps.map((d) => (d.type === 'blocks' ? d.id : `${d.type}:${d.id}`));
    if (t.labels.length > 0) rec['labels'] = t.labels;
    this.seq().add(this.doc.createNode(rec));
    this.refresh();
  }

  render(): string {
    // lineWidth 0: never fold the user's long lines.
    const fresh = this.doc.toString({ lineWidth: 0, indentSeq: this.indentSeq, flowCollectionPadding: false });
    const merged = keepSpacing(this.original, fresh);
    // The merge is cosmetic only; should it ever change meaning, the library's text wins.
    return merged === fresh || isDeepStrictEqual(parse(merged), parse(fresh)) ? merged : fresh;
  }
}

function toIssue(t: TaskFileTask): TrackerIssue {
  const issue = blankIssue(t.id, t.title);
  issue.description = t.description ?? '';
  issue.acceptance = t.acceptance ?? '';
  issue.notes = t.notes ?? '';
  issue.status = t.status ?? 'open';
  issue.priority = t.priority ?? 2;
  issue.type = t.type ?? 'task';
  issue.assignee = t.assignee ?? null;
  issue.labels = [...(t.labels ?? [])];
  issue.dependencies = depSpecs(t.deps);
  issue.parent = t.parent ?? null;
  if (issue.parent !== null && !issue.dependencies.some((d) => d.type === 'parent-child')) issue.dependencies.push({ id: issue.parent, type: 'parent-child' });
  issue.closeReason = t.close_reason ?? null;
  issue.closedAt = t.closed_at ?? null;
  issue.createdAt = t.created_at ?? null;
  issue.updatedAt = t.updated_at ?? null;
  issue.metadata = { ...(t.metadata ?? {}) };
  return issue;
}

/**
 * The library re-spaces what it re-emits (`status: x   # c` → `status: x # c`). Where an emitted
 * line differs from an original one only in inner whitespace at the same indent, keep the original.
 */
function keepSpacing(original: string, fresh: string): string {
  const key = (l: string): string => `${l.length - l.trimStart().length}:${l.replace(/\s+/g, '')}`;
  const pool = new Map<string, string[]>();
  for (const l of original.split('\n')) pool.set(key(l), [...(pool.get(key(l)) ?? []), l]);
  return fresh
    .split('\n')
    .map((l) => pool.get(key(l))?.shift() ?? l)
    .join('\n');
}
