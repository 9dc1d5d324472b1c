import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { git } from './git.ts';
import type { RepoInfo } from './repo.ts';

/**
 * Whether git, making a worktree or a commit here, would do only what its plumbing does: no hook
 * to run (core.hooksPath unset, nothing but samples in the hooks directory), no per-worktree config
 * or sparse-checkout patterns to copy, no signing or re-encoding, reflogs as by default, files
 * refs. Then orch may do those steps itself; otherwise git does them. Asked once per process and
 * repository (one git process).
 */
const known = new Map<string, Promise<boolean>>();
export function plainRepository(repo: RepoInfo): Promise<boolean> {
  let answer = known.get(repo.commonDir);
  if (!answer) {
    const keys = ['core.hookspath', 'core.sparsecheckout', 'core.logallrefupdates', 'extensions.worktreeconfig', 'commit.gpgsign', 'i18n.commitencoding'];
    answer = git(repo.top, ['config', '--get-regexp', `^(${keys.map((k) => k.replace('.', '\\.')).join('|')})$`], { allowFail: true }).then(
      (res) =>
        // git init writes core.logAllRefUpdates=true (the default for a work tree); any other value, or any other key, is not plain.
        (res.code === 1 || (res.code === 0 && res.stdout.toString('utf8').trim().split('\n').every((l) => l.toLowerCase() === 'core.logallrefupdates true'))) &&
        hooksOnlySamples(path.join(repo.commonDir, 'hooks')) &&
        !existsSync(path.join(repo.commonDir, 'info', 'sparse-checkout')) &&
        !existsSync(path.join(repo.commonDir, 'config.worktree')) &&
        !existsSync(path.join(repo.commonDir, 'reftable')),
    );
    known.set(repo.commonDir, answer);
  }
  return answer;
}

function hooksOnlySamples(dir: string): boolean {
  try {
    return readdirSync(dir).every((f) => f.endsWith('.sample'));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
