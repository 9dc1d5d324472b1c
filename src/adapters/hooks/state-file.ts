/** Hook state and log files under `<git dir>/orch/` (outside the work tree, never committed). */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OrchError } from '../../core/errors.ts';
import { HookStateSchema, type HookState } from '../../core/hooks/state.ts';
import { writeFileAtomic } from '../trackers/atomic-write.ts';

export const hooksLogFile = (gitDir: string): string => path.join(gitDir, 'orch', 'hooks.log');
const stateFile = (gitDir: string, claudeSessionId: string): string => path.join(gitDir, 'orch', 'hooks', `${claudeSessionId}.json`);

export async function readHookState(gitDir: string, claudeSessionId: string): Promise<HookState | null> {
  const file = stateFile(gitDir, claudeSessionId);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OrchError('corrupt', `${file}: not JSON`, { hint: 'delete it; the next SessionStart starts afresh' });
  }
  const res = HookStateSchema.safeParse(raw);
  if (!res.success) throw new OrchError('corrupt', `${file}: ${res.error.issues[0]?.message ?? 'invalid'}`, { hint: 'delete it; the next SessionStart starts afresh' });
  return res.data;
}

/** Temp + fsync + rename: a crash leaves the old state or the new one. */
export async function writeHookState(gitDir: string, state: HookState): Promise<void> {
  const file = stateFile(gitDir, state.claudeSessionId);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(state)}\n`);
}

/**
 * One line per entry. An O_APPEND write of one short line lands whole even with concurrent hooks,
 * so the log is appended to rather than rewritten (rewriting would race between hooks).
 */
export async function appendHookLog(gitDir: string, at: Date, event: string, message: string): Promise<void> {
  const file = hooksLogFile(gitDir);
  await mkdir(path.dirname(file), { recursive: true });
  const line = `${at.toISOString()} ${event} ${message.replace(/\s+/g, ' ').slice(0, 2000)}\n`;
  await appendFile(file, line, 'utf8');
}
