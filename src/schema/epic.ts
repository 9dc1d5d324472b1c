import { z } from 'zod';
import { parseJsonDocument } from './versioned.ts';

export const EPIC_SCHEMA_VERSION = 1;

export const Epic = z.object({
  schemaVersion: z.literal(EPIC_SCHEMA_VERSION),
  epicId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  goal: z.string().nullable(),
  /** USD; null = no budget. */
  budget: z.number().nonnegative().nullable(),
  /** Fraction of the budget at which to warn once (default 0.8). */
  warnAt: z.number().gt(0).lte(1),
  /** The budget for which the warning was already given (so it is given once per budget). */
  warnedForBudget: z.number().nullable(),
  /** Sessions started so far; the next session number is this + 1 (allocated by compare-and-swap). */
  sessionCount: z.number().int().nonnegative(),
});
export type Epic = z.infer<typeof Epic>;

export const parseEpic = (text: string, what: string): Epic => parseJsonDocument(Epic, EPIC_SCHEMA_VERSION, text, what);
