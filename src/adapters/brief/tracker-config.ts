/**
 * The `tracker:` section of `.orch/config.yaml`: where the resume brief reads issues done / in
 * progress / blocked from. The tracker is opened the way convoys open theirs (`openTracker`):
 *
 *   tracker:
 *     kind: task-file        # or `tasks`; a YAML `tasks:` list or a markdown checklist
 *     path: TASKS.md         # relative to the directory holding .orch/
 *     parent: E1             # optional: only the children of this issue (the epic's issue)
 *
 *   tracker:
 *     kind: beads
 *     workspace: .           # optional (default: the directory holding .orch/); bin: optional
 *     parent: bd-a1b2
 */
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TRACKER_TIMEOUT_MS, type BriefTrackerOptions } from '../../core/brief/build.ts';
import { errorLine } from '../../core/errors.ts';
import type { Tracker } from '../../core/tracker/types.ts';
import type { TrackerRef } from '../../schema/convoy.ts';
import { parseConfigSection, readConfigText } from '../config-section.ts';
import { findConfigFile } from '../gates/config.ts';

const KINDS = ['task-file', 'tasks', 'beads'] as const;
const nonEmpty = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).trim().min(1, 'must not be empty');

const TaskFileSection = z.strictObject({ kind: z.enum(['task-file', 'tasks']), path: nonEmpty, parent: nonEmpty.optional() });
const BeadsSection = z.strictObject({ kind: z.literal('beads'), workspace: nonEmpty.optional(), bin: nonEmpty.optional(), parent: nonEmpty.optional() });

/** `kind` first, so an unknown kind is named as such rather than as a mismatch of every branch. */
export const TrackerSection = z
  .looseObject({ kind: z.enum(KINDS, { error: `must be one of ${KINDS.join(', ')}` }) })
  .pipe(z.discriminatedUnion('kind', [TaskFileSection, BeadsSection]));
export type TrackerSection = z.infer<typeof TrackerSection>;

export interface TrackerConfig {
  /** The config file it came from. */
  file: string;
  /** The convoy's tracker descriptor; relative paths are resolved against `base`. */
  ref: TrackerRef;
  base: string;
  parent?: string;
}

/** Parse only the `tracker` section of a config document's text; `file` names it in messages. */
export function parseTrackerConfigText(text: string, file: string): TrackerConfig | undefined {
  const s = parseConfigSection(text, file, 'tracker', TrackerSection);
  if (s === undefined) return undefined;
  const base = path.dirname(path.dirname(file)); // the directory holding .orch/
  const ref: TrackerRef = s.kind === 'beads' ? { kind: 'beads', workspace: s.workspace ?? '.', ...(s.bin ? { bin: s.bin } : {}) } : { kind: 'task-file', path: s.path };
  return { file, ref, base, ...(s.parent ? { parent: s.parent } : {}) };
}

/** The `tracker` section of the nearest `.orch/config.yaml`; undefined when there is none. A bad one is `config_invalid`. */
export async function loadTrackerConfig(cwd: string): Promise<TrackerConfig | undefined> {
  const file = await findConfigFile(cwd);
  if (file === undefined) return undefined;
  const text = await readConfigText(file, 'tracker');
  return parseTrackerConfigText(text, file);
}

async function openFor(c: TrackerConfig, timeoutMs: number): Promise<Tracker> {
  // Loaded only when a tracker is configured: the hooks' start-up stays cheap otherwise. A brief
  // waits `timeoutMs` for bd, once (a convoy waits a minute and retries), so it cannot hold a hook.
  const { openTracker } = await import('../trackers/open.ts');
  return openTracker(c.ref, c.base, { timeoutMs, retry: { attempts: 1 } });
}

/**
 * The brief's tracker for the repository around `cwd` ({} when none is configured). Opening makes
 * no tracker call yet; `timeoutMs` bounds the one the brief makes.
 */
export async function openBriefTracker(cwd: string, timeoutMs = DEFAULT_TRACKER_TIMEOUT_MS): Promise<BriefTrackerOptions> {
  const c = await loadTrackerConfig(cwd);
  if (c === undefined) return {};
  return { tracker: await openFor(c, timeoutMs), trackerTimeoutMs: timeoutMs, ...(c.parent ? { trackerParent: c.parent } : {}) };
}

/**
 * Like `openBriefTracker`, but a configuration problem never throws: the brief says the tracker is
 * unavailable and why (hooks must not fail a Claude Code session over it).
 */
export async function briefTrackerOrReason(cwd: string, timeoutMs = DEFAULT_TRACKER_TIMEOUT_MS): Promise<BriefTrackerOptions & { problem?: string }> {
  try {
    return await openBriefTracker(cwd, timeoutMs);
  } catch (e) {
    const reason = errorLine(e);
    return { trackerUnavailable: reason, problem: reason };
  }
}
