import { z } from 'zod';

/** Output parsers a gate can use; `auto` sniffs the output, `none` records no test counts. */
export const PARSER_NAMES = ['vitest', 'jest', 'node-test', 'pytest', 'go-test', 'cargo-test'] as const;
export const ParserName = z.enum(PARSER_NAMES);
export type ParserName = z.infer<typeof ParserName>;
export const ParserChoice = z.enum([...PARSER_NAMES, 'auto', 'none']);
export type ParserChoice = z.infer<typeof ParserChoice>;

export const GateMode = z.enum(['required', 'advisory']);
export type GateMode = z.infer<typeof GateMode>;

/** Seconds as a number, or a string with a unit: `500ms`, `90s`, `5m`, `1h`. */
export const Duration = z.union(
  [z.number().positive(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration such as 500ms, 90s, 5m, 1h')],
  { error: 'expected seconds or a duration such as 500ms, 90s, 5m, 1h' },
);
export type Duration = z.infer<typeof Duration>;

const GATE_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

export const GateConfigEntry = z.strictObject({
  name: z.string().regex(GATE_NAME, 'gate names are letters, digits, ".", "_" and "-"'),
  /** argv array (run directly), or a string run by `sh -c`. */
  command: z
    .union([z.array(z.string().min(1)).min(1), z.string().min(1)], { error: 'expected an argv array or a shell string' })
    .optional(),
  timeout: Duration.optional(),
  mode: GateMode.optional(),
  order: z.number().int().optional(),
  enabled: z.boolean().optional(),
  parser: ParserChoice.optional(),
});
export type GateConfigEntry = z.infer<typeof GateConfigEntry>;

const GateList = z.array(GateConfigEntry).superRefine((list, ctx) => {
  const seen = new Set<string>();
  for (const [i, g] of list.entries()) {
    if (seen.has(g.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate gate name "${g.name}"` });
    seen.add(g.name);
  }
});

const GatesObject = z.strictObject({
  /** Also run the gates detected from the project files (default true). */
  detect: z.boolean().optional(),
  /** Default timeout for every gate. */
  timeout: Duration.optional(),
  list: GateList.optional(),
});

/**
 * The `gates` section of `.orch/config.yaml`; a bare list is shorthand for `{ list }`.
 *
 *   gates:
 *     timeout: 5m                 # default per gate (10m when unset)
 *     list:
 *       - name: lint              # a detected gate: override only these fields
 *         mode: advisory
 *       - name: e2e               # a new gate: needs a command
 *         command: npx playwright test   # a string runs through `sh -c`; an array runs as argv
 *         timeout: 15m
 *         order: 50
 *       - name: build
 *         enabled: true
 */
export const GatesConfig = z
  .union([GateList, GatesObject], { error: 'expected a list of gates, or a mapping with detect, timeout and list' })
  .transform((v) => (Array.isArray(v) ? { list: v } : v));
export type GatesConfig = z.output<typeof GatesConfig>;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function durationMs(d: Duration): number {
  if (typeof d === 'number') return Math.round(d * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`invalid duration ${d}`); // unreachable after schema validation
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}
