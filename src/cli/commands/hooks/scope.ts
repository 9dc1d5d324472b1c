import { openRepo } from '../../../adapters/git/repo.ts';
import type { SettingsScope } from '../../../adapters/claude-settings/settings-file.ts';
import { usageError } from '../../io.ts';

export interface HooksOptions {
  json?: boolean;
  cwd?: string;
  debug?: boolean;
  scope?: string;
  epic?: string;
}

export function parseScope(raw: string | undefined): SettingsScope {
  const s = raw ?? 'project';
  if (s !== 'project' && s !== 'local') throw usageError(`invalid --scope ${JSON.stringify(s)}`, 'use project (.claude/settings.json) or local (.claude/settings.local.json)');
  return s;
}

/** Settings live at the repository top, where Claude Code is started for the project. */
export async function repoTop(cwd: string): Promise<string> {
  return (await openRepo(cwd)).top;
}
