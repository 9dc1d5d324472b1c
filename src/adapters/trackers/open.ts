import path from 'node:path';
import type { Tracker } from '../../core/tracker/types.ts';
import type { TrackerRef } from '../../schema/convoy.ts';
import { BeadsTracker, type BeadsTrackerOptions } from './beads.ts';
import { TaskFileTracker } from './task-file.ts';

/**
 * The tracker a convoy, a postmortem or a brief names. `beads` tunes bd calls: a brief or a hook
 * waits once, briefly, where a convoy waits a minute and retries.
 */
export function openTracker(ref: TrackerRef, cwd: string, beads: Pick<BeadsTrackerOptions, 'timeoutMs' | 'retry'> = {}): Tracker {
  switch (ref.kind) {
    case 'beads':
      return new BeadsTracker({ workspace: path.resolve(cwd, ref.workspace), ...(ref.bin ? { bin: ref.bin } : {}), ...beads });
    case 'task-file':
      return new TaskFileTracker({ path: path.resolve(cwd, ref.path) });
  }
}
