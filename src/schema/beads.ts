import { z } from 'zod';
import type { TrackerDependency, TrackerIssue } from '../core/tracker/types.ts';

/**
 * Defensive schemas for `bd … --json` (beads-gastown.md §2.5, §5.2) and for the JSONL export.
 * Unknown fields pass through; only `id`, `title`, `status` are required. Both the `--json`
 * shape (Go omitempty, metadata as an object) and the export/DB shape (nulls, metadata as a JSON
 * string, 0/1 flags) parse.
 */

const str = z.string().nullish();
const time = z.union([z.string(), z.null()]).optional();

/** Raw edge from `list` / `ready` / the export: `issue_id` depends on `depends_on_id`. */
export const BeadsDependencyRecord = z.looseObject({
  issue_id: z.string().optional(),
  depends_on_id: z.string(),
  type: z.string().nullish(),
});

/** Edge as `show` embeds it: the whole target issue plus `dependency_type`. */
export const BeadsEmbeddedDependency = z.looseObject({
  id: z.string(),
  dependency_type: z.string().nullish(),
});

export const BeadsIssue = z.looseObject({
  id: z.string().min(1),
  title: z.string(),
  status: z.string().min(1),
  // 0 is P0 (critical), so no falsy defaults; the CLI also accepts "P2".
  priority: z.union([z.number(), z.string()]).nullish(),
  issue_type: str,
  description: str,
  acceptance_criteria: str,
  notes: str,
  assignee: str,
  labels: z.array(z.string()).nullish(),
  dependencies: z.array(z.union([BeadsDependencyRecord, BeadsEmbeddedDependency])).nullish(),
  parent: str,
  created_at: time,
  updated_at: time,
  closed_at: time,
  close_reason: str,
  // `--json` says true/false, the export stores 0/1.
  ephemeral: z.union([z.boolean(), z.number()]).nullish(),
  defer_until: time,
  metadata: z.union([z.record(z.string(), z.unknown()), z.string(), z.null()]).optional(),
});
export type BeadsIssue = z.infer<typeof BeadsIssue>;

export const BeadsComment = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  issue_id: z.string().optional(),
  author: str,
  text: z.string(),
  created_at: time,
});

/** `{"error": …, "code": …}`, bare (legacy, with `schema_version`) or under `data` (envelope). */
export const BeadsErrorBody = z.looseObject({ error: z.string(), code: z.string().optional() });

export interface Unwrapped {
  data: unknown;
  /** Present when bd said which contract it speaks; > 1 is newer than we know. */
  schemaVersion: number | undefined;
  envelope: boolean;
}

/** Strip the v2 envelope `{schema_version, data}` or legacy's injected `schema_version`. */
export function unwrap(value: unknown): Unwrapped {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { data: value, schemaVersion: undefined, envelope: false };
  const rec = value as Record<string, unknown>;
  const v = typeof rec['schema_version'] === 'number' ? rec['schema_version'] : undefined;
  if ('data' in rec && Object.keys(rec).every((k) => k === 'data' || k === 'schema_version')) {
    return { data: rec['data'], schemaVersion: v, envelope: true };
  }
  const rest = { ...rec };
  delete rest['schema_version'];
  return { data: rest, schemaVersion: v, envelope: false };
}

/**
 * The issue rows inside any issue-returning result: an array (list, ready, show, update, close),
 * one object (create), `{closed, …}` (close --suggest-next / --continue) or `{issues, meta}`.
 */
export function issueRows(data: unknown): unknown[] {
  if (Array.isArray(data)) return data;
  if (data === null || typeof data !== 'object') return [];
  const rec = data as Record<string, unknown>;
  if (Array.isArray(rec['closed'])) return rec['closed'];
  if (Array.isArray(rec['issues'])) return rec['issues'];
  return 'id' in rec ? [rec] : [];
}

function parseMetadata(m: BeadsIssue['metadata']): Record<string, unknown> {
  if (m === null || m === undefined) return {};
  if (typeof m !== 'string') return m;
  if (m.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(m);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parsePriority(p: BeadsIssue['priority']): number {
  if (typeof p === 'number' && Number.isFinite(p)) return p;
  const m = typeof p === 'string' ? /^[Pp]?([0-4])$/.exec(p.trim()) : null;
  return m ? Number(m[1]) : 2;
}

const orNull = (s: string | null | undefined): string | null => (s === undefined || s === null || s === '' ? null : s);

/** Normalise one parsed bd issue; `extraDeps` joins edges exported separately (dependencies.jsonl). */
export function toTrackerIssue(raw: BeadsIssue, extraDeps: readonly TrackerDependency[] = []): TrackerIssue {
  const deps: TrackerDependency[] = [];
  for (const dep of raw.dependencies ?? []) {
    const d = dep as Record<string, unknown>;
    const type = typeof d['type'] === 'string' ? d['type'] : typeof d['dependency_type'] === 'string' ? d['dependency_type'] : 'blocks';
    if (typeof d['depends_on_id'] === 'string') {
      // A raw edge list may carry edges of other issues (dependents); keep ours only.
      if (d['issue_id'] === undefined || d['issue_id'] === raw.id) deps.push({ id: d['depends_on_id'], type });
    } else if (typeof d['id'] === 'string') {
      deps.push({ id: d['id'], type: typeof d['dependency_type'] === 'string' ? d['dependency_type'] : 'blocks' });
    }
  }
  for (const d of extraDeps) if (!deps.some((x) => x.id === d.id && x.type === d.type)) deps.push(d);
  return {
    id: raw.id,
    title: raw.title,
    description: raw.description ?? '',
    acceptance: raw.acceptance_criteria ?? '',
    notes: raw.notes ?? '',
    status: raw.status,
    priority: parsePriority(raw.priority),
    type: orNull(raw.issue_type) ?? 'task',
    assignee: orNull(raw.assignee),
    labels: [...(raw.labels ?? [])],
    dependencies: deps,
    parent: orNull(raw.parent) ?? deps.find((d) => d.type === 'parent-child')?.id ?? null,
    createdAt: orNull(raw.created_at),
    updatedAt: orNull(raw.updated_at),
    closedAt: orNull(raw.closed_at),
    closeReason: orNull(raw.close_reason),
    ephemeral: raw.ephemeral === true || raw.ephemeral === 1,
    deferUntil: orNull(raw.defer_until),
    metadata: parseMetadata(raw.metadata),
  };
}

export type ParsedIssues = { ok: true; issues: TrackerIssue[] } | { ok: false; error: string };

/** Parse the rows of an issue-returning result; the first bad row fails the whole result. */
export function parseIssues(data: unknown): ParsedIssues {
  const issues: TrackerIssue[] = [];
  for (const [n, row] of issueRows(data).entries()) {
    const r = BeadsIssue.safeParse(row);
    if (!r.success) {
      const id = row !== null && typeof row === 'object' && 'id' in row ? String(row.id) : `#${n}`;
      return { ok: false, error: `issue ${id}: ${z.prettifyError(r.error).split('\n').join('; ')}` };
    }
    issues.push(toTrackerIssue(r.data));
  }
  return { ok: true, issues };
}

export interface BdErrorInfo {
  message: string;
  code: string | undefined;
}

/**
 * What went wrong, from bd's stderr: its JSON error object (pretty-printed, either contract) or,
 * for the many plain-text paths (`Error claiming …`, panics, lock errors), the first line.
 */
export function parseBdError(stderr: string): BdErrorInfo {
  const text = stderr.trim();
  const start = text.indexOf('{');
  if (start >= 0) {
    try {
      const body = BeadsErrorBody.safeParse(unwrap(JSON.parse(text.slice(start)) as unknown).data);
      if (body.success) return { message: body.data.error, code: body.data.code };
    } catch {
      // not JSON after all: fall through to the first line
    }
  }
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return { message: first.trim().replace(/^Error:\s*/, ''), code: undefined };
}
