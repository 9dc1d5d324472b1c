import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrchError } from '../../core/errors.ts';
import { fsyncArgs, git, gitText } from './git.ts';
import type { RepoInfo } from './repo.ts';

export interface TreeEntry {
  mode: '100644' | '100755' | '040000' | '120000';
  name: string;
  sha: string;
}

/** A file tree to write: strings/buffers are blobs, nested objects are trees, `{ tree }` an existing tree. */
export type TreeSpec = { [name: string]: string | Buffer | TreeSpec | { tree: string } };

const isExistingTree = (v: unknown): v is { tree: string } =>
  typeof v === 'object' && v !== null && !Buffer.isBuffer(v) && typeof (v as { tree?: unknown }).tree === 'string' && Object.keys(v).length === 1;

function objectId(format: RepoInfo['objectFormat'], type: string, body: Buffer): string {
  return createHash(format).update(`${type} ${body.length}\0`).update(body).digest('hex');
}

/** Git orders tree entries by name, with directories compared as if they ended in '/'. */
function sortEntries(entries: TreeEntry[]): TreeEntry[] {
  const key = (e: TreeEntry): string => (e.mode === '040000' ? `${e.name}/` : e.name);
  return entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function encodeTree(entries: TreeEntry[]): Buffer {
  return Buffer.concat(
    sortEntries(entries).map((e) => Buffer.concat([Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])),
  );
}

/**
 * Write a whole tree spec with two git calls (all blobs, then all trees): object ids are computed
 * here, so no call waits on another's output. Returns the root tree id.
 */
export async function writeTreeSpec(repo: RepoInfo, spec: TreeSpec): Promise<string> {
  const blobs: Buffer[] = [];
  const trees: Buffer[] = [];
  const build = (node: TreeSpec): string => {
    const entries: TreeEntry[] = [];
    for (const [name, v] of Object.entries(node)) {
      if (typeof v === 'string' || Buffer.isBuffer(v)) {
        const body = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
        blobs.push(body);
        entries.push({ mode: '100644', name, sha: objectId(repo.objectFormat, 'blob', body) });
      } else if (isExistingTree(v)) {
        entries.push({ mode: '040000', name, sha: v.tree });
      } else {
        entries.push({ mode: '040000', name, sha: build(v) });
      }
    }
    const body = encodeTree(entries);
    trees.push(body);
    return objectId(repo.objectFormat, 'tree', body);
  };
  const root = build(spec);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orch-obj-'));
  try {
    const write = async (type: 'blob' | 'tree', bodies: Buffer[]): Promise<void> => {
      if (bodies.length === 0) return;
      const files = await Promise.all(
        bodies.map(async (b, i) => {
          const f = path.join(dir, `${type}-${i}`);
          await writeFile(f, b);
          return f;
        }),
      );
      await git(repo.top, [...fsyncArgs, 'hash-object', '-w', '-t', type, '--stdin-paths'], { input: files.join('\n') + '\n' });
    };
    await write('blob', blobs);
    await write('tree', trees);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return root;
}

export async function commitTree(repo: RepoInfo, tree: string, parents: string[], message: string, date: Date): Promise<string> {
  const iso = `${Math.floor(date.getTime() / 1000)} +0000`;
  const args = [...fsyncArgs, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
  const out = await gitText(repo.top, args, { input: message, env: { GIT_AUTHOR_DATE: iso, GIT_COMMITTER_DATE: iso } });
  return out.trim();
}

export const ZERO = (repo: RepoInfo): string => '0'.repeat(repo.objectFormat === 'sha256' ? 64 : 40);

/**
 * Compare-and-swap a ref: it moves to `next` only if it still holds `expected` (null = must not
 * exist). Returns false when someone else moved it first.
 */
export async function casRef(repo: RepoInfo, ref: string, next: string, expected: string | null, reason: string): Promise<boolean> {
  const res = await git(repo.top, [...fsyncArgs, '-c', 'core.filesRefLockTimeout=2000', 'update-ref', '-m', reason, ref, next, expected ?? ZERO(repo)], {
    allowFail: true,
  });
  if (res.code === 0) return true;
  if (/cannot lock ref|is at .* but expected|reference already exists|unable to resolve/i.test(res.stderr)) {
    if (/File exists|Unable to create .*\.lock/i.test(res.stderr)) throw new OrchError('lock_held', `ref ${ref} is locked by another writer`, { hint: 'retry; a stale lock is removed automatically after 10 s' });
    return false;
  }
  throw new OrchError('git_failed', `git update-ref ${ref} failed: ${res.stderr.trim().split('\n')[0] ?? ''}`);
}

/** Current value of a ref, or null. */
export async function readRef(repo: RepoInfo, ref: string): Promise<string | null> {
  const res = await git(repo.top, ['rev-parse', '--verify', '-q', `${ref}^{commit}`], { allowFail: true });
  return res.code === 0 ? res.stdout.toString('utf8').trim() : null;
}

/** Read many `<rev>:<path>` objects in one `cat-file --batch`. Missing ones come back null. */
export async function readBlobs(repo: RepoInfo, specs: string[]): Promise<(Buffer | null)[]> {
  if (specs.length === 0) return [];
  const res = await git(repo.top, ['cat-file', '--batch'], { input: specs.join('\n') + '\n' });
  const buf = res.stdout;
  const out: (Buffer | null)[] = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const nl = buf.indexOf(0x0a, pos);
    const header = buf.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      out.push(null);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    out.push(buf.subarray(pos, pos + size));
    pos += size + 1;
  }
  return out;
}
