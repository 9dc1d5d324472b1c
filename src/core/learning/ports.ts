/** Where learning documents live. Each put is a new version (compare-and-swap on the version read). */
export type DocKind = 'reflections' | 'postmortems' | 'metrics';

export interface StoredDoc {
  /** The parsed JSON (the caller validates it with its schema). */
  doc: unknown;
  /** Opaque version for compare-and-swap (a commit id in git). */
  version: string;
}

export interface LearningStore {
  get(kind: DocKind, id: string): Promise<StoredDoc | null>;
  /** False when someone else wrote a newer version first. */
  put(kind: DocKind, id: string, doc: unknown, expectedVersion: string | null, message: string): Promise<boolean>;
  list(kind: DocKind): Promise<string[]>;
  /** Every version, oldest first (metrics history). */
  history(kind: DocKind, id: string): Promise<unknown[]>;
}
