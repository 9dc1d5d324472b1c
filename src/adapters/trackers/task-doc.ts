import type { TrackerDependency, TrackerIssue } from '../../core/tracker/types.ts';

/** A new task as the task-file formats write it (id already chosen). */
export interface NewTask {
  id: string;
  title: string;
  description: string;
  type: string;
  priority: number;
  deps: TrackerDependency[];
  parent: string | undefined;
  labels: string[];
}

/**
 * A parsed task file that edits itself in place: each change touches only the lines / nodes it
 * must, so the user's comments and layout survive `render()`.
 */
export interface TaskDoc {
  readonly tasks: TrackerIssue[];
  setStatus(id: string, status: string): void;
  setAssignee(id: string, assignee: string): void;
  appendNotes(id: string, text: string): void;
  setMetadata(id: string, key: string, value: string): void;
  close(id: string, reason: string, at: string): void;
  addComment(id: string, text: string): void;
  addTask(task: NewTask): void;
  render(): string;
}

export function blankIssue(id: string, title: string): TrackerIssue {
  return {
    id, title, description: '', acceptance: '', notes: '', status: 'open', priority: 2, type: 'task', assignee: null, labels: [],
    dependencies: [], parent: null, createdAt: null, updatedAt: null, closedAt: null, closeReason: null, ephemeral: false, deferUntil: null, metadata: {},
  };
}
