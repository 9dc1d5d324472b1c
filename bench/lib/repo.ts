import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A new repository (`prefix` in the temp dir) with `files` in one commit on main; returns its path. */
export function benchRepo(prefix: string, files: Record<string, string> = { 'README.md': '# bench\n' }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const git = (...a: string[]): void => void spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...a], { cwd: dir });
  git('init', '-q', '-b', 'main');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  git('add', '-A');
  git('commit', '-qm', 'init');
  return dir;
}
