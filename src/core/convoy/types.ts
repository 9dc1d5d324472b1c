import type { Convoy } from '../../schema/convoy.ts';
import type { SessionEvent } from '../../schema/event.ts';

export type ConvoyEventInput = { type: string } & Record<string, unknown>;

/** Where convoys live: with their epic, as a journal (document + append-only events). */
export interface ConvoyStore {
  get(epicId: string, convoyId: string): Promise<Convoy | null>;
  /**
   * Append events (and optionally a new document), stamping its `updatedAt` (the compare-and-swap
   * version, always later than `expectedUpdatedAt`). Returns the document written, or null when
   * someone else wrote first.
   */
  append(convoy: Convoy, events: ConvoyEventInput[], expectedUpdatedAt: string | null): Promise<Convoy | null>;
  events(epicId: string, convoyId: string): Promise<SessionEvent[]>;
  list(epicId?: string): Promise<Convoy[]>;
}
