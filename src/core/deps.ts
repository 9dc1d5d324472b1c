import type { GitState } from '../schema/checkpoint.ts';
import type { Clock, EventSink, IdSource } from './ports.ts';
import type { CheckpointStore } from './store.ts';

/** The working tree orch snapshots into checkpoints (git in production; none for a memory store). */
export interface Workspace {
  snapshot(): Promise<GitState>;
}

/** Everything a use-case needs from the outside world, passed in (design.md "Layers"). */
export interface CoreDeps {
  store: CheckpointStore;
  workspace: Workspace | null;
  clock: Clock;
  ids: IdSource;
  events: EventSink;
}
