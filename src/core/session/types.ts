import type { SessionStatus } from '../../schema/context.ts';

/** The seed's `session` handle: identity and state of one session of an epic. */
export interface Session {
  id: string;
  epicId: string;
  number: number;
  status: SessionStatus;
  parentSessionId: string | null;
  startedAt: string;
  /** Newest checkpoint of this session: the compare-and-swap base for the next write. */
  lastCheckpointId: string | null;
  /** Working directory (the repository); used by the library API to reopen the store. */
  cwd?: string;
}

export type Outcome = 'success' | 'partial' | 'failure';
