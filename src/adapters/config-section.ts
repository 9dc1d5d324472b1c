import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { OrchError } from '../core/errors.ts';

const oneLine = (s: string): string => (s.split('\n')[0] ?? s).replace(/\s+at line \d+, column \d+:?\s*$/, '').trim();

const invalid = (file: string, key: string, problem: string): OrchError =>
  new OrchError('config_invalid', `${file}: ${problem}`, { hint: `fix the ${key} section of .orch/config.yaml` });

/**
 * A union's own message is "Invalid input"; the useful problem is inside the branch whose type
 * matched, so descend into it.
 */
function firstProblem(issue: z.core.$ZodIssue | undefined): { path: PropertyKey[]; message: string } {
  if (!issue) return { path: [], message: 'invalid' };
  if (issue.code === 'invalid_union') {
    const branch = issue.errors.find((errs) => !errs.some((e) => e.code === 'invalid_type' && e.path.length === 0));
    const inner = firstProblem(branch?.[0]);
    if (branch?.[0]) return { path: [...issue.path, ...inner.path], message: inner.message };
  }
  return { path: issue.path, message: issue.message };
}

/**
 * Parse one section (`gates`, `review`, …) of an `.orch/config.yaml` text with its schema: undefined
 * when absent; a YAML or schema problem is one `config_invalid` line naming the file and the field.
 */
export function parseConfigSection<T>(text: string, file: string, key: string, schema: z.ZodType<T>): T | undefined {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw invalid(pos ? `${file}:${pos.line}:${pos.col}` : file, key, `YAML syntax error: ${oneLine(err.message)}`);
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return undefined;
  if (typeof root !== 'object' || Array.isArray(root)) throw invalid(file, key, 'the document must be a mapping (key: value)');
  const section = (root as Record<string, unknown>)[key];
  if (section === undefined || section === null) return undefined;
  const res = schema.safeParse(section);
  if (res.success) return res.data;
  const { path, message } = firstProblem(res.error.issues[0]);
  const where = [key, ...path].map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').slice(1);
  throw invalid(file, key, `${where}: ${oneLine(message)}`);
}

/** The text of a config file found for section `key`; an unreadable file is one `config_invalid` line. */
export async function readConfigText(file: string, key: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw invalid(file, key, `cannot read: ${(e as Error).message}`);
  }
}

export { invalid as configInvalid };
