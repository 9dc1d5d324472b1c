import { z } from 'zod';
import { GateMode, ParserChoice } from './gates-config.ts';
import { parseJsonDocument, parseVersioned } from './versioned.ts';

export const GATE_RUN_SCHEMA_VERSION = 1;

export const GateStatus = z.enum(['pass', 'fail', 'error', 'timeout', 'skipped']);
export type GateStatus = z.infer<typeof GateStatus>;

export const TestCounts = z.object({
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type TestCounts = z.infer<typeof TestCounts>;

export const GateResult = z.object({
  name: z.string(),
  /** argv as run; a configured shell string appears as `['sh', '-c', string]`. */
  command: z.array(z.string()),
  mode: GateMode,
  status: GateStatus,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  timeoutMs: z.number().positive(),
  /** Last ~4 KB of stdout+stderr, in arrival order, ANSI stripped. */
  outputTail: z.string(),
  parser: ParserChoice,
  counts: TestCounts.optional(),
  failingTests: z.array(z.string()),
  /** Why the gate is `error` or `skipped` (command not found, cancelled, disabled). */
  reason: z.string().optional(),
});
export type GateResult = z.infer<typeof GateResult>;

export const GateRun = z.object({
  schemaVersion: z.literal(GATE_RUN_SCHEMA_VERSION),
  startedAt: z.string(),
  finishedAt: z.string(),
  cwd: z.string(),
  head: z.string().optional(),
  /** Every required gate passed. */
  ok: z.boolean(),
  results: z.array(GateResult),
});
export type GateRun = z.infer<typeof GateRun>;

export const parseGateRun = (raw: unknown): GateRun => parseVersioned(GateRun, GATE_RUN_SCHEMA_VERSION, raw, 'gate run');
export const parseGateRunJson = (text: string): GateRun => parseJsonDocument(GateRun, GATE_RUN_SCHEMA_VERSION, text, 'gate run');
