import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { OrchError } from '../../core/errors.ts';
import { git } from './git.ts';

export interface RepoInfo {
  /** The working tree top (of this worktree). */
  top: string;
  /** This worktree's git dir (holds its index and HEAD). */
  gitDir: string;
  /** The shared git dir (refs, objects) — the same for all linked worktrees. */
  commonDir: string;
  objectFormat: 'sha1' | 'sha256';
}

/** Find the repository around `cwd`; outside one, a clear usage error (exit 2). */
export async function openRepo(cwd: string): Promise<RepoInfo> {
  const res = await git(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', '--show-object-format'], {
    allowFail: true,
  });
  if (res.code !== 0) {
    const msg = res.stderr.includes('not a git repository') ? `not a git repository: ${cwd}` : res.stderr.trim().split('\n')[0] ?? 'git failed';
    throw new OrchError('not_a_repo', msg, { hint: 'run orch inside a git repository (git init), or pass --cwd' });
  }
  const [top, gitDir, common, fmt] = res.stdout.toString('utf8').trim().split('\n');
  if (!top || !gitDir || !common) throw new OrchError('not_a_repo', `not a git work tree: ${cwd}`, { hint: 'orch needs a work tree, not a bare repository' });
  return {
    top,
    gitDir,
    commonDir: path.resolve(common),
    objectFormat: fmt === 'sha256' ? 'sha256' : 'sha1',
  };
}

/**
 * A linked worktree of `main`, from the files git keeps it by (`<dir>/.git` naming its git dir),
 * without a git process: a pooled worker opens one per issue. null when the files do not answer
 * plainly (then `openRepo` asks git).
 */
export async function linkedWorktree(main: RepoInfo, dir: string): Promise<RepoInfo | null> {
  try {
    const pointer = /^gitdir: (.+)$/m.exec(await readFile(path.join(dir, '.git'), 'utf8'))?.[1]?.trim();
    if (!pointer) return null;
    const [top, gitDir] = await Promise.all([realpath(dir), realpath(path.resolve(dir, pointer))]);
    const common = (await readFile(path.join(gitDir, 'commondir'), 'utf8')).trim();
    if ((await realpath(path.resolve(gitDir, common))) !== (await realpath(main.commonDir))) return null;
    return { top, gitDir, commonDir: main.commonDir, objectFormat: main.objectFormat };
  } catch {
    return null;
  }
}
