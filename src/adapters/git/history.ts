import type { CommitFact, FileStat, GitHistoryFacts, GitHistorySource } from '../../core/brief/types.ts';
import { git, gitText } from './git.ts';

const FIELD = '\x1f';
const RECORD = '\x1e';
const FORMAT = `--format=%H${FIELD}%cI${FIELD}%s${FIELD}%b${RECORD}`;
const REVERTS = /This reverts commit ([0-9a-f]{7,64})/;

function parseCommits(out: string): CommitFact[] {
  return out
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.includes(FIELD))
    .map((r) => {
      const [sha = '', date = '', subject = '', body = ''] = r.split(FIELD);
      const reverted = REVERTS.exec(body)?.[1] ?? REVERTS.exec(subject)?.[1] ?? null;
      const d = new Date(date);
      return {
        sha,
        at: Number.isNaN(d.getTime()) ? date : d.toISOString(),
        subject,
        reverts: reverted,
        isRevert: /^Revert\b/.test(subject) || reverted !== null,
      };
    });
}

/** `git diff --numstat -z --no-renames`: "ins\tdel\tpath\0" per file; "-" for binary. */
function parseNumstat(out: string): FileStat[] {
  return out
    .split('\0')
    .filter(Boolean)
    .map((rec) => {
      const [ins = '-', del = '-', ...rest] = rec.split('\t');
      return { path: rest.join('\t'), insertions: ins === '-' ? null : Number(ins), deletions: del === '-' ? null : Number(del) };
    });
}

async function verify(cwd: string, rev: string): Promise<string | null> {
  const res = await git(cwd, ['rev-parse', '-q', '--verify', '--end-of-options', `${rev}^{commit}`], { allowFail: true });
  return res.code === 0 ? res.stdout.toString('utf8').trim() : null;
}

const empty = (from: string | null, to: string | null, error: string | null = null): GitHistoryFacts => ({
  from,
  to,
  commits: [],
  total: 0,
  reverts: [],
  files: [],
  insertions: 0,
  deletions: 0,
  error,
});

/**
 * Commits and diffstat on the user's branch since the epic began. Read-only plumbing: it never
 * touches HEAD, the index or the working tree.
 */
export function gitHistory(cwd: string, o: { limit?: number } = {}): GitHistorySource {
  const limit = o.limit ?? 30;
  return {
    async history(fromRaw, toRaw) {
      const to = await verify(cwd, toRaw ?? 'HEAD');
      if (!to) return empty(fromRaw, toRaw, toRaw ? `commit ${toRaw.slice(0, 12)} is not in this repository` : null);
      const from = fromRaw ? await verify(cwd, fromRaw) : null;
      if (fromRaw && !from) return empty(fromRaw, to, `the HEAD recorded when the epic began (${fromRaw.slice(0, 12)}) is no longer in this repository`);
      const range = from ? [`${from}..${to}`] : [to];
      const [count, listed, reverts, base] = await Promise.all([
        gitText(cwd, ['rev-list', '--count', ...range, '--']),
        gitText(cwd, ['log', FORMAT, `--max-count=${limit}`, ...range, '--']),
        // Candidates only; parseCommits applies the exact rule (subject "Revert…" or "This reverts commit").
        gitText(cwd, ['log', FORMAT, '-E', '--grep=^Revert', '--grep=This reverts commit', ...range, '--']),
        from ? Promise.resolve(from) : gitText(cwd, ['hash-object', '-t', 'tree', '--stdin'], { input: '' }).then((s) => s.trim()),
      ]);
      const files = parseNumstat(await gitText(cwd, ['diff', '--numstat', '-z', '--no-renames', base, to, '--']));
      return {
        from,
        to,
        commits: parseCommits(listed),
        total: Number(count.trim()) || 0,
        reverts: parseCommits(reverts).filter((c) => c.isRevert),
        files,
        insertions: files.reduce((a, f) => a + (f.insertions ?? 0), 0),
        deletions: files.reduce((a, f) => a + (f.deletions ?? 0), 0),
        error: null,
      };
    },
  };
}
