import type { Command } from 'commander';
import { leaf } from '../../leaf.ts';

/** `orch hooks install|uninstall` and `orch hook <event>` (the command Claude Code runs). */
export function registerHooks(program: Command): void {
  const hooks = program.command('hooks').description("install or remove orch's Claude Code hooks");
  leaf(hooks, 'install', "merge orch's hooks into .claude/settings(.local).json (the user's own hooks are kept)", () => import('./install.ts'))
    .option('--scope <scope>', 'project (.claude/settings.json) or local (.claude/settings.local.json)', 'project')
    .option('--epic <id>', 'bind this repository to an epic (epic: in .orch/config.yaml)');
  leaf(hooks, 'uninstall', "remove orch's hooks only", () => import('./uninstall.ts')).option(
    '--scope <scope>',
    'project (.claude/settings.json) or local (.claude/settings.local.json)',
    'project',
  );
  leaf(program, 'hook <event>', 'run by Claude Code: handle one hook event (JSON on stdin); always exits 0', () => import('./hook.ts'));
}
