import { z } from 'zod';

/**
 * An event recorded with a checkpoint (append-only per session). Later capabilities (briefs,
 * reflection, metrics) read these; the payload is free-form but always JSON.
 */
export const SessionEvent = z
  .object({
    id: z.string(),
    at: z.string(),
    type: z.string(),
    sessionId: z.string(),
    sessionNumber: z.number().int().positive(),
  })
  .catchall(z.unknown());
export type SessionEvent = z.infer<typeof SessionEvent>;
