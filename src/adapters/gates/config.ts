import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GatesConfig } from '../../schema/gates-config.ts';
import { parseConfigSection, readConfigText } from '../config-section.ts';

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

/** Parse the `gates` section of a config document's text; `file` is only used in messages. */
export function parseGatesConfigText(text: string, file: string): GatesConfig | undefined {
  return parseConfigSection(text, file, 'gates', GatesConfig);
}

/** Load the `gates` section of the nearest `.orch/config.yaml`; undefined when there is no file. */
export async function loadGatesConfig(cwd: string): Promise<LoadedGatesConfig | undefined> {
  const file = await findConfigFile(cwd);
  if (file === undefined) return undefined;
  const text = await readConfigText(file, 'gates');
  return { file, config: parseGatesConfigText(text, file) };
}
