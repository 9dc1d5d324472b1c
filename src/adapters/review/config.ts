import { OrchError } from '../../core/errors.ts';
import { resolveReviewConfig, type ResolvedReviewConfig } from '../../core/review/config.ts';
import { ReviewConfig } from '../../schema/review.ts';
import { parseConfigSection, readConfigText } from '../config-section.ts';
import { findConfigFile } from '../gates/config.ts';

const invalid = (file: string, problem: string): OrchError =>
  new OrchError('config_invalid', `${file}: ${problem}`, { hint: 'fix the review section of .orch/config.yaml' });

/** Parse only the `review` section of a config document's text; `file` is only used in messages. */
export function parseReviewConfigText(text: string, file: string): ReviewConfig | undefined {
  return parseConfigSection(text, file, 'review', ReviewConfig);
}

/** The reviewers and policy for the repository around `cwd`: built-in defaults merged with `.orch/config.yaml`. */
export async function loadReviewConfig(cwd: string): Promise<{ file: string | null; config: ResolvedReviewConfig }> {
  const file = await findConfigFile(cwd);
  if (file === undefined) return { file: null, config: resolveReviewConfig(undefined) };
  const text = await readConfigText(file, 'review');
  try {
    return { file, config: resolveReviewConfig(parseReviewConfigText(text, file)) };
  } catch (e) {
    // Problems found while merging with the defaults name the file too.
    if (e instanceof OrchError && e.code === 'config_invalid' && !e.message.startsWith(file)) throw invalid(file, e.message);
    throw e;
  }
}
