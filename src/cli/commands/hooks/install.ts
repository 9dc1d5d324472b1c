import path from 'node:path';
import { bindEpic } from '../../../adapters/claude-settings/epic-binding.ts';
import { orchInvocation, settingsFile, updateSettingsFile } from '../../../adapters/claude-settings/settings-file.ts';
import { hookCommand, installHooks, orchHooksIn } from '../../../core/hooks/settings.ts';
import { validateId } from '../../../core/validate.ts';
import { output } from '../../io.ts';
import { parseScope, repoTop, type HooksOptions } from './scope.ts';

export async function run(o: HooksOptions): Promise<number> {
  const scope = parseScope(o.scope);
  if (o.epic !== undefined) validateId('epic', o.epic);
  const cwd = path.resolve(o.cwd ?? process.cwd());
  const top = await repoTop(cwd);
  const file = settingsFile(top, scope);
  const argv = orchInvocation();
  const res = await updateSettingsFile(file, (s) => installHooks(s, (event) => hookCommand(argv, event)));
  const binding = o.epic === undefined ? null : await bindEpic(cwd, top, o.epic);
  output(o, { scope, file, changed: res.changed, hooks: orchHooksIn(res.settings), epic: o.epic ?? null, config: binding }, (d) =>
    [
      d.changed ? `installed orch's Claude Code hooks in ${d.file}` : `orch's Claude Code hooks are already installed in ${d.file}`,
      d.config ? `${d.config.changed ? 'bound' : 'already bound'} to epic ${d.epic} in ${d.config.file}` : 'epic: from epic: in .orch/config.yaml or ORCH_EPIC (pass --epic to bind one)',
      `errors are logged to <git dir>/orch/hooks.log`,
    ].join('\n'),
  );
  return 0;
}
