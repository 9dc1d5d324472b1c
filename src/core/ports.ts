/** Interfaces core depends on; adapters implement them. Core never reaches the environment directly. */
export interface Clock {
  now(): Date;
}

export interface IdSource {
  /** A new sortable id body (a monotonic ULID in production). */
  ulid(): string;
}

/** `ses_01J…`, `cv_01J…`; checkpoints use the seed's `ckpt-<id>` form. */
export const newId = (ids: IdSource, kind: string): string => `${kind}_${ids.ulid()}`;
export const newCheckpointId = (ids: IdSource): string => `ckpt-${ids.ulid()}`;

/** Typed progress events; the CLI renders them, workers append them as JSONL. */
export interface EventSink {
  emit(event: { type: string; [k: string]: unknown }): void;
}

export const nullSink: EventSink = { emit: () => undefined };
