/** Interfaces core depends on; adapters implement them. Core never reaches the environment directly. */
export interface Clock {
  now(): Date;
}

export interface IdSource {
  /** A new id with the given kind prefix, e.g. `ses` → `ses_01J…`. Sortable by creation time. */
  next(kind: string): string;
}

/** Typed progress events; the CLI renders them, workers append them as JSONL. */
export interface EventSink {
  emit(event: { type: string; [k: string]: unknown }): void;
}

export const nullSink: EventSink = { emit: () => undefined };
