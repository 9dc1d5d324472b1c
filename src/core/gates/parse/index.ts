import type { ParserChoice, ParserName } from '../../../schema/gates-config.ts';
import { cargoTestParser } from './cargo-test.ts';
import { goTestParser } from './go-test.ts';
import { jestParser } from './jest.ts';
import { nodeTestParser } from './node-test.ts';
import { pytestParser } from './pytest.ts';
import type { ParsedTests, RunnerParser } from './text.ts';
import { vitestParser } from './vitest.ts';

export { cleanOutput, tailText, type ParsedTests } from './text.ts';

export const parsers: Record<ParserName, RunnerParser> = {
  vitest: vitestParser,
  jest: jestParser,
  'node-test': nodeTestParser,
  pytest: pytestParser,
  'cargo-test': cargoTestParser,
  'go-test': goTestParser,
};

// Most specific first: go's markers are the loosest, so it is tried last.
const SNIFF_ORDER: ParserName[] = ['vitest', 'jest', 'node-test', 'pytest', 'cargo-test', 'go-test'];

export function sniffRunner(text: string): ParserName | undefined {
  return SNIFF_ORDER.find((name) => parsers[name].sniff(text));
}

/** Parse cleaned (ANSI-free) output. `auto` picks the runner from the output itself. */
export function parseTestOutput(text: string, choice: ParserChoice): (ParsedTests & { runner: ParserName }) | undefined {
  if (choice === 'none') return undefined;
  const runner = choice === 'auto' ? sniffRunner(text) : choice;
  if (!runner) return undefined;
  return { runner, ...parsers[runner].parse(text) };
}
