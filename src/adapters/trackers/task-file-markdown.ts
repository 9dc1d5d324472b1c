import { OrchError } from '../../core/errors.ts';
import type { TrackerIssue } from '../../core/tracker/types.ts';
import { parseDepSpec } from '../../schema/task-file.ts';
import { blankIssue, type NewTask, type TaskDoc } from './task-doc.ts';

/**
 * Markdown checklist tasks:
 *
 *   - [ ] T1: Parse the config
 *     Free text lines are the description.
 *     depends: T0, discovered-from:T3
 *     acceptance: tests pass
 *
 * Checkbox: ` ` open, `~` or `/` in progress, `!` blocked, `-` deferred, `x` closed. A task nested
 * under another is its child. Known `key: value` lines (below) are fields, everything else is
 * description. Edits flip one character or insert/replace one indented line; nothing else moves.
 */
const TASK = /^(\s*)([-*+])\s+\[([^\]])\]\s+([A-Za-z0-9][\w.-]*):\s*(.*)$/;
const KEY = /^(depends|deps|acceptance|assignee|notes?|priority|labels|type|parent|reason|comment|meta\.[\w.-]+)\s*:\s?(.*)$/i;
const FENCE = /^\s*(```|~~~)/;
const READ: Record<string, string> = { ' ': 'open', x: 'closed', X: 'closed', '~': 'in_progress', '/': 'in_progress', '!': 'blocked', '-': 'deferred' };
const WRITE: Record<string, string> = { open: ' ', closed: 'x', in_progress: '~', hooked: '~', blocked: '!', deferred: '-' };

interface Block {
  id: string;
  line: number;
  /** One past the last non-blank line of the task's own body. */
  end: number;
  indent: number;
  bullet: string;
  bodyIndent: string;
  parent: string | null;
  /** Body lines as [line index, text without body indent]. */
  body: [number, string][];
}

const indentOf = (l: string): number => l.length - l.trimStart().length;

export class MarkdownTaskDoc implements TaskDoc {
  private lines: string[];
  private readonly eol: string;
  private blocks: Block[] = [];
  tasks: TrackerIssue[] = [];

  constructor(text: string) {
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    this.lines = text.split(/\r?\n/);
    this.parse();
  }

  private parse(): void {
    const blocks: Block[] = [];
    let cur: Block | undefined;
    let fence = false;
    for (const [i, line] of this.lines.entries()) {
      const m = fence ? null : TASK.exec(line);
      if (FENCE.test(line)) fence = !fence;
      if (m) {
        const [, lead = '', bullet = '-', , id = ''] = m;
        const indent = lead.length;
        const parent = [...blocks].reverse().find((b) => b.indent < indent);
        cur = { id, line: i, end: i + 1, indent, bullet, bodyIndent: ' '.repeat(indent + 2), parent: parent?.id ?? null, body: [] };
        blocks.push(cur);
      } else if (cur !== undefined && line.trim() !== '') {
        if (indentOf(line) > cur.indent) cur.end = i + 1;
        else cur = undefined; // back at the task's own level: the block is over
      }
    }
    for (const b of blocks) {
      const own = this.lines.slice(b.line + 1, b.end).map((text, k): [number, string] => [b.line + 1 + k, text]);
      const nonBlank = own.filter(([, t]) => t.trim() !== '');
      if (nonBlank.length > 0) b.bodyIndent = ' '.repeat(Math.min(...nonBlank.map(([, t]) => indentOf(t))));
      b.body = own.map(([n, t]) => [n, t.slice(Math.min(indentOf(t), b.bodyIndent.length))]);
    }
    const seen = new Set<string>();
    for (const b of blocks) {
      if (seen.has(b.id)) throw new OrchError('config_invalid', `task id ${b.id} appears twice in the task file`);
      seen.add(b.id);
    }
    this.blocks = blocks;
    this.tasks = blocks.map((b) => this.toIssue(b));
  }

  private toIssue(b: Block): TrackerIssue {
    const [, , , box = ' ', , title = ''] = TASK.exec(this.lines[b.line] ?? '') ?? [];
    const issue = blankIssue(b.id, title.trim());
    issue.status = READ[box] ?? 'open';
    issue.parent = b.parent;
    const desc: string[] = [];
    const acceptance: string[] = [];
    const notes: string[] = [];
    for (const [, text] of b.body) {
      const k = KEY.exec(text);
      if (!k) {
        desc.push(text);
        continue;
      }
      const [, rawKey = '', rawValue = ''] = k;
      const key = rawKey.toLowerCase();
      const v = rawValue.trim();
      if (key === 'depends' || key === 'deps') for (const s of v.split(',')) { const d = parseDepSpec(s); if (d) issue.dependencies.push(d); }
      else if (key === 'acceptance') acceptance.push(v);
      else if (key === 'note' || key === 'notes') notes.push(v);
      else if (key === 'assignee') issue.assignee = v === '' ? null : v;
      else if (key === 'priority') issue.priority = Number(/^[Pp]?([0-4])$/.exec(v)?.[1] ?? 2);
      else if (key === 'labels') issue.labels = v.split(',').map((s) => s.trim()).filter(Boolean);
      else if (key === 'type') issue.type = v || 'task';
      else if (key === 'parent') issue.parent = v || null;
      else if (key === 'reason') issue.closeReason = v || null;
      else if (key.startsWith('meta.')) issue.metadata[rawKey.slice(5)] = v;
    }
    issue.description = desc.join('\n').trim();
    issue.acceptance = acceptance.join('\n');
    issue.notes = notes.join('\n');
    if (issue.parent !== null && !issue.dependencies.some((d) => d.type === 'parent-child')) issue.dependencies.push({ id: issue.parent, type: 'parent-child' });
    return issue;
  }

  private block(id: string): Block {
    const b = this.blocks.find((x) => x.id === id);
    if (b === undefined) throw new OrchError('not_found', `task ${id} not found in the task file`);
    return b;
  }

  private insert(at: number, lines: string[]): void {
    this.lines.splice(at, 0, ...lines);
    this.parse();
  }

  /** Replace the first `key:` line of the task, or add one at the end of its body. */
  private setKey(id: string, key: string, value: string): void {
    const b = this.block(id);
    const hit = b.body.find(([, t]) => KEY.exec(t)?.[1]?.toLowerCase() === key);
    if (hit) {
      const [n, t] = hit;
      this.lines[n] = `${b.bodyIndent}${t.slice(0, t.indexOf(':'))}: ${value}`;
      this.parse();
    } else this.insert(b.end, [`${b.bodyIndent}${key}: ${value}`]);
  }

  setStatus(id: string, status: string): void {
    const n = this.block(id).line;
    this.lines[n] = (this.lines[n] ?? '').replace(/\[[^\]]\]/, `[${WRITE[status] ?? ' '}]`);
    this.parse();
  }

  setAssignee(id: string, assignee: string): void {
    this.setKey(id, 'assignee', assignee);
  }

  appendNotes(id: string, text: string): void {
    const b = this.block(id);
    this.insert(b.end, text.split(/\r?\n/).map((l) => `${b.bodyIndent}note: ${l}`.trimEnd()));
  }

  setMetadata(id: string, key: string, value: string): void {
    this.setKey(id, `meta.${key}`, value.replace(/\r?\n/g, ' '));
  }

  close(id: string, reason: string): void {
    this.setStatus(id, 'closed');
    if (reason !== '') this.setKey(id, 'reason', reason.replace(/\r?\n/g, ' '));
  }

  addComment(id: string, text: string): void {
    const b = this.block(id);
    this.insert(b.end, [`${b.bodyIndent}comment: ${text.replace(/\r?\n/g, ' ')}`]);
  }

  addTask(t: NewTask): void {
    const parent = t.parent !== undefined ? this.block(t.parent) : undefined;
    // Under its parent (nesting is the parent link), else after the last task, else at the end.
    const sub = parent ? this.blocks.filter((b) => b === parent || this.descends(b, parent.id)) : this.blocks;
    const last = sub[sub.length - 1];
    const top = this.blocks.find((b) => b.parent === null);
    const indent = parent ? ' '.repeat(parent.indent + 2) : ' '.repeat(top?.indent ?? 0);
    const bullet = (parent ?? top)?.bullet ?? '-';
    const body = `${indent}  `;
    const lines = [`${indent}${bullet} [ ] ${t.id}: ${t.title.replace(/\r?\n/g, ' ')}`];
    for (const l of t.description.trim() === '' ? [] : t.description.trim().split(/\r?\n/)) lines.push(`${body}${l}`.trimEnd());
    if (t.deps.length > 0) lines.push(`${body}depends: ${t.deps.map((d) => (d.type === 'blocks' ? d.id : `${d.type}:${d.id}`)).join(', ')}`);
    if (t.type !== 'task') lines.push(`${body}type: ${t.type}`);
    if (t.priority !== 2) lines.push(`${body}priority: P${t.priority}`);
    if (t.labels.length > 0) lines.push(`${body}labels: ${t.labels.join(', ')}`);
    let at = last ? last.end : this.lines.length;
    if (!last) {
      while (at > 0 && (this.lines[at - 1] ?? '').trim() === '') at--;
      if (at > 0) lines.unshift('');
    }
    this.insert(at, lines);
  }

  private descends(b: Block, ancestor: string): boolean {
    const seen = new Set<string>();
    for (let p = b.parent; p !== null && !seen.has(p); p = this.blocks.find((x) => x.id === p)?.parent ?? null) {
      if (p === ancestor) return true;
      seen.add(p);
    }
    return false;
  }

  render(): string {
    return this.lines.join(this.eol);
  }
}
