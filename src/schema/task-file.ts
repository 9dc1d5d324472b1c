import { z } from 'zod';

/**
 * A YAML task file for projects without beads:
 *
 *   tasks:
 *     - id: T1
 *       title: Parse config
 *       description: …
 *       acceptance: …
 *       status: open          # open | in_progress | blocked | deferred | closed
 *       deps: [T0, "discovered-from:T3"]   # bare id = blocks
 *
 * Unknown keys are kept (and written back untouched).
 */
const idLike = z.union([z.string().min(1), z.number()]).transform(String);
const text = z.string().nullish();

export const TaskFileTask = z.looseObject({
  id: idLike,
  title: z.string(),
  description: text,
  acceptance: text,
  notes: text,
  status: text,
  priority: z.number().int().min(0).max(4).nullish(),
  type: text,
  assignee: text,
  labels: z.array(z.string()).nullish(),
  /** A list, or one comma-separated string; `kind:id` names a non-blocking kind. */
  deps: z.union([z.array(idLike), z.string()]).nullish(),
  parent: idLike.nullish(),
  close_reason: text,
  closed_at: text,
  created_at: text,
  updated_at: text,
  metadata: z.record(z.string(), z.unknown()).nullish(),
  comments: z.array(z.string()).nullish(),
});
export type TaskFileTask = z.infer<typeof TaskFileTask>;

export const TaskFileYaml = z.looseObject({ tasks: z.array(TaskFileTask).nullish() });

/** `T0`, `blocks:T0`, `discovered-from:T3` → edge. */
export function parseDepSpec(spec: string): { id: string; type: string } | null {
  const s = spec.trim();
  if (s === '') return null;
  const i = s.indexOf(':');
  return i > 0 ? { id: s.slice(i + 1).trim(), type: s.slice(0, i).trim() } : { id: s, type: 'blocks' };
}

export function depSpecs(deps: TaskFileTask['deps']): { id: string; type: string }[] {
  const list = typeof deps === 'string' ? deps.split(',') : (deps ?? []);
  return list.map(parseDepSpec).filter((d): d is { id: string; type: string } => d !== null);
}
