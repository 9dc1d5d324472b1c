import { OrchError } from '../../core/errors.ts';
import { git, gitText } from './git.ts';
import type { RepoInfo } from './repo.ts';

const SPEC = 'refs/orchestration/*:refs/orchestration/*';

export interface SyncResult {
  remote: string;
  fetched: string[];
  pushed: string[];
  /** Refs that are not a fast-forward either way (both sides wrote to them): left alone, reported. */
  rejected: string[];
}

async function snapshotRefs(repo: RepoInfo): Promise<Map<string, string>> {
  const out = await gitText(repo.top, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/orchestration/']);
  return new Map(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

/**
 * Share orch's namespace with a remote: fetch then push, fast-forward only on both sides, so a
 * sync never overwrites work written elsewhere. Branches are not touched.
 */
export async function syncNamespace(repo: RepoInfo, remote: string, o: { push: boolean; fetch: boolean }): Promise<SyncResult> {
  if (remote.startsWith('-')) throw new OrchError('usage', `invalid remote ${JSON.stringify(remote)}`);
  const remotes = (await gitText(repo.top, ['remote'])).split('\n').filter(Boolean);
  if (!remotes.includes(remote) && !/[/:]/.test(remote)) {
    throw new OrchError('not_found', `no remote named ${JSON.stringify(remote)}`, { hint: remotes.length ? `remotes here: ${remotes.join(', ')}` : 'add one with: git remote add origin <url>' });
  }
  const res: SyncResult = { remote, fetched: [], pushed: [], rejected: [] };
  if (o.fetch) {
    const before = await snapshotRefs(repo);
    const f = await git(repo.top, ['fetch', '--no-tags', '--no-write-fetch-head', remote, SPEC], { allowFail: true });
    if (f.code !== 0 && !/rejected|non-fast-forward/.test(f.stderr)) {
      throw new OrchError('git_failed', `fetch from ${remote} failed: ${f.stderr.trim().split('\n').at(-1) ?? ''}`, { hint: 'check the remote name (git remote -v) and access' });
    }
    const after = await snapshotRefs(repo);
    for (const [ref, sha] of after) if (before.get(ref) !== sha) res.fetched.push(ref);
    for (const m of f.stderr.matchAll(/\[rejected\].*-> (refs\/orchestration\/\S+)/g)) if (m[1]) res.rejected.push(m[1]);
  }
  if (o.push) {
    const p = await git(repo.top, ['push', '--porcelain', remote, SPEC], { allowFail: true });
    const lines = p.stdout.toString('utf8').split('\n');
    for (const l of lines) {
      const m = /^(.)\t[^:]*:(refs\/orchestration\/\S+)\t/.exec(l);
      if (!m?.[2]) continue;
      if (m[1] === '!') res.rejected.push(m[2]);
      else if (m[1] !== '=') res.pushed.push(m[2]);
    }
    if (p.code !== 0 && res.rejected.length === 0) {
      throw new OrchError('git_failed', `push to ${remote} failed: ${p.stderr.trim().split('\n').at(-1) ?? ''}`, { hint: 'check the remote name (git remote -v) and access' });
    }
  }
  // A ref the fetch refused because ours is ahead is no divergence once the push took it.
  res.rejected = [...new Set(res.rejected)].filter((r) => !res.pushed.includes(r));
  return res;
}
