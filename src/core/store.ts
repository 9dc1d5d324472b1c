import type { Checkpoint } from '../schema/checkpoint.ts';
import type { SessionStatus } from '../schema/context.ts';
import type { Epic } from '../schema/epic.ts';
import type { SessionEvent } from '../schema/event.ts';

/** A session's newest checkpoint, summarised without reading the checkpoint document. */
export interface SessionTip {
  sessionId: string;
  sessionNumber: number;
  checkpointId: string;
  status: SessionStatus;
  costUsd: number;
  createdAt: string;
}

export interface CheckpointWrite {
  checkpoint: Checkpoint;
  /** Events recorded with this checkpoint (appended to the session's log). */
  events: SessionEvent[];
  brief?: string;
  /**
   * Compare-and-swap: the session's current newest checkpoint id (null = the session must not
   * exist yet). A mismatch means another writer moved the session: `superseded`.
   */
  expectedParent: string | null;
  /** Start a new session from this older checkpoint (fork); the source stays unchanged. */
  forkFrom?: string;
}

export interface EpicWrite {
  epic: Epic;
  events: SessionEvent[];
  /** The `updatedAt` of the version read (null = must not exist): compare-and-swap. */
  expectedVersion: string | null;
}

export interface ListResult {
  checkpoints: Checkpoint[];
  /** Checkpoints that could not be read; the others still list. */
  errors: { ref: string; message: string }[];
}

/** Where epics and checkpoints live: git refs in production, memory in tests. One contract for both. */
export interface CheckpointStore {
  getEpic(epicId: string): Promise<Epic | null>;
  /** Returns false when the epic changed since it was read (caller re-reads and retries). */
  putEpic(write: EpicWrite): Promise<boolean>;
  readEpicEvents(epicId: string): Promise<SessionEvent[]>;
  listEpics(): Promise<string[]>;

  putCheckpoint(write: CheckpointWrite): Promise<void>;
  getCheckpoint(id: string, epicId?: string): Promise<Checkpoint | null>;
  latestInSession(epicId: string, sessionId: string): Promise<Checkpoint | null>;
  listSessions(epicId: string): Promise<SessionTip[]>;
  /** Newest first, across sessions or in one. */
  listCheckpoints(epicId: string, opts?: { sessionId?: string; limit?: number }): Promise<ListResult>;
  /** All events of a session in the order recorded, or of every session of the epic. */
  readEvents(epicId: string, sessionId?: string): Promise<SessionEvent[]>;
}
