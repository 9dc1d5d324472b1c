import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { OrchError } from '../../core/errors.ts';
import { GatesConfig } from '../../schema/gates-config.ts';

export const CONFIG_PATH = join('.orch', 'config.yaml');

export interface LoadedGatesConfig {
  /** Absolute path of the config file that was read. */
  file: string;
  /** The `gates` section; undefined when the file has none. */
  config: GatesConfig | undefined;
}

const exists = async (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** `.orch/config.yaml` in cwd or a parent, stopping at the git top (the dir holding `.git`). */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  const dirs: string[] = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    dirs.push(dir);
    if (await exists(join(dir, '.git'))) break;
    // Outside a repository only cwd counts: a stray ~/.orch must not configure every project.
    if (dirname(dir) === dir) return (await exists(join(cwd, CONFIG_PATH))) ? join(cwd, CONFIG_PATH) : undefined;
  }
  for (const dir of dirs) if (await exists(join(dir, CONFIG_PATH))) return join(dir, CONFIG_PATH);
  return undefined;
}

const oneLine = (s: string): string => (s.split('\n')[0] ?? s).replace(/\s+at line \d+, column \d+:?\s*$/, '').trim();

function invalid(file: string, problem: string): OrchError {
  return new OrchError('config_invalid', `${file}: ${problem}`, { hint: 'fix the gates section of .orch/config.yaml' });
}

/**
 * A union's own message is "Invalid input"; the useful problem is inside the branch whose type
 * matched (the list form or the object form), so descend into it.
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

/** Parse the `gates` section of a config document's text; `file` is only used in messages. */
export function parseGatesConfigText(text: string, file: string): GatesConfig | undefined {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw invalid(pos ? `${file}:${pos.line}:${pos.col}` : file, `YAML syntax error: ${oneLine(err.message)}`);
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return undefined;
  if (typeof root !== 'object' || Array.isArray(root)) throw invalid(file, 'the document must be a mapping (key: value)');
  const section = (root as Record<string, unknown>).gates;
  if (section === undefined || section === null) return undefined;
  const res = GatesConfig.safeParse(section);
  if (res.success) return res.data;
  const { path, message } = firstProblem(res.error.issues[0]);
  const where = ['gates', ...path].map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').slice(1);
  throw invalid(file, `${where}: ${oneLine(message)}`);
}

/** Load the `gates` section of the nearest `.orch/config.yaml`; undefined when there is no file. */
export async function loadGatesConfig(cwd: string): Promise<LoadedGatesConfig | undefined> {
  const file = await findConfigFile(cwd);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw invalid(file, `cannot read: ${(e as Error).message}`);
  }
  return { file, config: parseGatesConfigText(text, file) };
}
