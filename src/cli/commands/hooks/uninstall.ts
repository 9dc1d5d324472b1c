import path from 'node:path';
import { settingsFile, updateSettingsFile } from '../../../adapters/claude-settings/settings-file.ts';
import { uninstallHooks } from '../../../core/hooks/settings.ts';
import { output } from '../../io.ts';
import { parseScope, repoTop, type HooksOptions } from './scope.ts';

export async function run(o: HooksOptions): Promise<number> {
  const scope = parseScope(o.scope);
  const top = await repoTop(path.resolve(o.cwd ?? process.cwd()));
  const file = settingsFile(top, scope);
  // A missing file has nothing of orch's: report it without creating one.
  const res = await updateSettingsFile(file, uninstallHooks);
  output(o, { scope, file, changed: res.changed }, (d) => (d.changed ? `removed orch's hooks from ${d.file}` : `no orch hooks in ${d.file}`));
  return 0;
}
