import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { OrchError } from '../../core/errors.ts';
import { resolveReviewConfig, type ResolvedReviewConfig } from '../../core/review/config.ts';
import { ReviewConfig } from '../../schema/review.ts';
import { findConfigFile } from '../gates/config.ts';

const invalid = (file: string, problem: string): OrchError =>
  new OrchError('config_invalid', `${file}: ${problem}`, { hint: 'fix the review section of .orch/config.yaml' });

/** Parse only the `review` section of a config document's text; `file` is only used in messages. */
export function parseReviewConfigText(text: string, file: string): ReviewConfig | undefined {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw invalid(pos ? `${file}:${pos.line}:${pos.col}` : file, `YAML syntax error: ${(err.message.split('\n')[0] ?? '').trim()}`);
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return undefined;
  if (typeof root !== 'object' || Array.isArray(root)) throw invalid(file, 'the document must be a mapping (key: value)');
  const section = (root as Record<string, unknown>).review;
  if (section === undefined || section === null) return undefined;
  const res = ReviewConfig.safeParse(section);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const where = ['review', ...(issue?.path ?? [])].map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').slice(1);
  throw invalid(file, `${where}: ${issue?.message ?? 'invalid'}`);
}

/** The reviewers and policy for the repository around `cwd`: built-in defaults merged with `.orch/config.yaml`. */
export async function loadReviewConfig(cwd: string): Promise<{ file: string | null; config: ResolvedReviewConfig }> {
  const file = await findConfigFile(cwd);
  if (file === undefined) return { file: null, config: resolveReviewConfig(undefined) };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw invalid(file, `cannot read: ${(e as Error).message}`);
  }
  try {
    return { file, config: resolveReviewConfig(parseReviewConfigText(text, file)) };
  } catch (e) {
    // Problems found while merging with the defaults name the file too.
    if (e instanceof OrchError && e.code === 'config_invalid' && !e.message.startsWith(file)) throw invalid(file, e.message);
    throw e;
  }
}
