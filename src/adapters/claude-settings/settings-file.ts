/** Reading and rewriting Claude Code settings files (atomically, only when something changes). */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ORCH_BIN } from '../package-root.ts';
import { existsSync, realpathSync } from 'node:fs';
import { detectIndent, parseSettings, renderSettings, type JsonObject, type MergeResult } from '../../core/hooks/settings.ts';
import { writeFileAtomic } from '../trackers/atomic-write.ts';

export type SettingsScope = 'project' | 'local';

/** `.claude/settings.json` is shared with the team; `.claude/settings.local.json` is the user's own. */
export const settingsFile = (top: string, scope: SettingsScope): string =>
  path.join(top, '.claude', scope === 'project' ? 'settings.json' : 'settings.local.json');

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Apply `change` to the settings in `file`. A file that is not a JSON object throws before anything
 * is written; an unchanged document is not rewritten; a missing file is created only when needed.
 */
export async function updateSettingsFile(file: string, change: (s: JsonObject) => MergeResult): Promise<{ changed: boolean; settings: JsonObject; existed: boolean }> {
  const text = await readText(file);
  const res = change(parseSettings(text, file));
  if (res.changed) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, renderSettings(res.settings, detectIndent(text)));
  }
  return { changed: res.changed, settings: res.settings, existed: text !== null };
}

export async function readSettingsFile(file: string): Promise<JsonObject | null> {
  const text = await readText(file);
  return text === null ? null : parseSettings(text, file);
}

/**
 * How a hook runs orch: this Node binary and this package's `bin/orch.js`, both absolute. It works
 * for a global or a local install and needs neither PATH (hooks may run with a different one) nor
 * npx (slower, and `npx orch` could fetch an unrelated package named `orch`).
 */
export function orchInvocation(): string[] {
  const packaged = ORCH_BIN;
  const bin = [packaged, process.argv[1] ?? ''].find((c) => c.endsWith('orch.js') && existsSync(c)) ?? packaged;
  return [process.execPath, realpathSync(bin)];
}
