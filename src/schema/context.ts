import { z } from 'zod';

export const SESSION_STATUSES = ['initializing', 'running', 'paused', 'completed', 'failed', 'budget_exceeded', 'interrupted'] as const;
export const SessionStatus = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const NOTE_KINDS = ['note', 'decision', 'tried', 'blocker'] as const;
export const NoteKind = z.enum(NOTE_KINDS);
export type NoteKind = z.infer<typeof NoteKind>;

/** A dated entry, so a brief can say when and in which session something happened. */
export const Entry = z.object({
  at: z.string(),
  sessionNumber: z.number().int().nonnegative(),
  text: z.string(),
  source: z.string().optional(),
});
export type Entry = z.infer<typeof Entry>;

export const TestState = z.object({
  status: z.enum(['unknown', 'passing', 'failing', 'error']),
  at: z.string().nullable(),
  passed: z.number().int().nullable(),
  failed: z.number().int().nullable(),
  failing: z.array(z.string()),
});
export type TestState = z.infer<typeof TestState>;

/** What the seed calls OrchestrationContext: everything a later session needs to continue. */
export const OrchestrationContext = z.object({
  epicId: z.string(),
  sessionId: z.string(),
  sessionNumber: z.number().int().positive(),
  parentSessionId: z.string().nullable(),
  /** Epic spend including this session, USD. */
  cumulativeCost: z.number().nonnegative(),
  /** This session's own spend, USD. */
  sessionCost: z.number().nonnegative(),
  /** Part of the session's spend that could not be priced (unknown), counted separately, never as 0. */
  unpricedCalls: z.number().int().nonnegative(),
  budget: z.number().nonnegative().nullable(),
  budgetRemaining: z.number().nullable(),
  filesModified: z.array(z.string()),
  decisions: z.array(Entry),
  /** What didn't work. */
  blockers: z.array(Entry),
  notes: z.array(Entry),
  currentTask: z.string().nullable(),
  testState: TestState,
  agentSessionId: z.string().nullable(),
});
export type OrchestrationContext = z.infer<typeof OrchestrationContext>;

export function emptyTestState(): TestState {
  return { status: 'unknown', at: null, passed: null, failed: null, failing: [] };
}
