/** Which epic a repository's hooks work on: `epic:` in `.orch/config.yaml`, or ORCH_EPIC. */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';
import { OrchError } from '../../core/errors.ts';
import { validateId } from '../../core/validate.ts';
import { CONFIG_PATH, findConfigFile } from '../gates/config.ts';
import { writeFileAtomic } from '../trackers/atomic-write.ts';

function parseConfig(text: string, file: string): Document {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) throw new OrchError('config_invalid', `${file}: YAML syntax error: ${err.message.split('\n')[0] ?? ''}`, { hint: 'fix the file; it was left unchanged' });
  if (doc.contents !== null && !isMap(doc.contents)) throw new OrchError('config_invalid', `${file}: the document must be a mapping (key: value)`);
  return doc;
}

/**
 * Set `epic: <id>` in the nearest `.orch/config.yaml` (or create one at the repository top),
 * keeping the rest of the document, comments included. Returns the file and whether it changed.
 */
export async function bindEpic(cwd: string, top: string, epicId: string): Promise<{ file: string; changed: boolean }> {
  validateId('epic', epicId);
  const file = (await findConfigFile(cwd)) ?? path.join(top, CONFIG_PATH);
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const doc = parseConfig(text, file);
  if (doc.get('epic') === epicId) return { file, changed: false };
  doc.set('epic', epicId);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, doc.toString());
  return { file, changed: true };
}

/** ORCH_EPIC wins (it is set for one run), then the config file's `epic:`; null when neither says. */
export async function boundEpic(cwd: string, env: NodeJS.ProcessEnv): Promise<{ epicId: string; source: string } | null> {
  const fromEnv = env.ORCH_EPIC?.trim();
  if (fromEnv) return { epicId: validateId('epic', fromEnv), source: 'ORCH_EPIC' };
  const file = await findConfigFile(cwd);
  if (file === undefined) return null;
  const value: unknown = parseConfig(await readFile(file, 'utf8'), file).get('epic');
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new OrchError('config_invalid', `${file}: epic must be a string`);
  return { epicId: validateId('epic', value), source: file };
}
