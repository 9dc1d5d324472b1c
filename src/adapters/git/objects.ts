import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasync as fdatasyncCb, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { appendFile, mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import path from 'node:path';
import { OrchError } from '../../core/errors.ts';
import { catFileBatch } from './cat-file.ts';
import { fsyncArgs, git } from './git.ts';
import type { RepoInfo } from './repo.ts';

const fdatasync = promisify(fdatasyncCb);

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

interface BuiltTree {
  root: string;
  blobs: Buffer[];
  trees: Buffer[];
}

/** Compute every object of a tree spec here, so nothing waits on git's output to continue. */
function buildTree(format: RepoInfo['objectFormat'], spec: TreeSpec): BuiltTree {
  const blobs: Buffer[] = [];
  const trees: Buffer[] = [];
  const build = (node: TreeSpec): string => {
    const entries: TreeEntry[] = [];
    for (const [name, v] of Object.entries(node)) {
      if (typeof v === 'string' || Buffer.isBuffer(v)) {
        const body = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
        blobs.push(body);
        entries.push({ mode: '100644', name, sha: objectId(format, 'blob', body) });
      } else if (isExistingTree(v)) {
        entries.push({ mode: '040000', name, sha: v.tree });
      } else {
        entries.push({ mode: '040000', name, sha: build(v) });
      }
    }
    const body = encodeTree(entries);
    trees.push(body);
    return objectId(format, 'tree', body);
  };
  return { root: build(spec), blobs, trees };
}

export interface CommitSpec {
  parents: string[];
  message: string;
  date: Date;
}

function commitBody(tree: string, c: CommitSpec): Buffer {
  const stamp = `${Math.floor(c.date.getTime() / 1000)} +0000`;
  const head = [`tree ${tree}`, ...c.parents.map((p) => `parent ${p}`), `author orch <orch@localhost> ${stamp}`, `committer orch <orch@localhost> ${stamp}`];
  return Buffer.from(`${head.join('\n')}\n\n${c.message.endsWith('\n') ? c.message : `${c.message}\n`}`, 'utf8');
}

/**
 * Write one loose object the way git does (zlib of "<type> <size>\0<body>" at objects/xx/…): temp
 * file, fsync, rename. Doing it here spares a git process per checkpoint; an object that already
 * exists is left alone, and a temp file left by a kill is named like git's own (`tmp_obj_…`).
 */
async function writeLoose(repo: RepoInfo, type: 'blob' | 'tree' | 'commit', body: Buffer): Promise<string> {
  const id = objectId(repo.objectFormat, type, body);
  const dir = path.join(repo.commonDir, 'objects', id.slice(0, 2));
  const file = path.join(dir, id.slice(2));
  // Synchronous calls but the fsync: each of these takes microseconds, and a checkpoint writes ~7
  // objects, so the thread-pool round trips of fs/promises cost more than the calls themselves.
  if (existsSync(file)) return id;
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `tmp_obj_${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o444);
  try {
    writeSync(fd, deflateSync(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]), { level: 1 }));
    await fdatasync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return id;
}

/**
 * Write a tree spec and optionally a commit of it. Every object id is computed here; nothing is
 * reachable until a ref points at the commit, so a crash in between leaves only unreachable objects.
 * Returns the tree and commit ids.
 */
export async function writeObjects(repo: RepoInfo, spec: TreeSpec, commit?: CommitSpec): Promise<{ tree: string; commit: string | null }> {
  const built = buildTree(repo.objectFormat, spec);
  const body = commit ? commitBody(built.root, commit) : null;
  await Promise.all([...built.blobs.map((b) => writeLoose(repo, 'blob', b)), ...built.trees.map((t) => writeLoose(repo, 'tree', t))]);
  // The commit last: it may only point at objects that are already durable.
  const id = body ? await writeLoose(repo, 'commit', body) : null;
  return { tree: built.root, commit: id };
}

/** Write a commit object from its raw text (durable before any ref may point at it). */
export const writeCommit = (repo: RepoInfo, text: string): Promise<string> => writeLoose(repo, 'commit', Buffer.from(text, 'utf8'));

/** A commit's tree id, from the commit object through the object reader (null when it cannot be read). */
export async function commitTree(repo: RepoInfo, commit: string): Promise<string | null> {
  const [raw] = await readBlobs(repo, [commit]).catch(() => [null]);
  return raw ? (/^tree ([0-9a-f]{40,64})\n/.exec(raw.toString('utf8', 0, 80))?.[1] ?? null) : null;
}

export const ZERO = (repo: RepoInfo): string => '0'.repeat(repo.objectFormat === 'sha256' ? 64 : 40);

/**
 * Compare-and-swap a ref: it moves to `next` only if it still holds `expected` (null = must not
 * exist). Returns false when someone else moved it first.
 */
export async function casRef(repo: RepoInfo, ref: string, next: string, expected: string | null, reason: string): Promise<boolean> {
  const direct = await casLooseRef(repo, ref, next, expected);
  if (direct !== null) return direct;
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

const REF_LOCK_TIMEOUT_MS = 2000; // as core.filesRefLockTimeout above

/**
 * Git's own protocol for a loose ref, done in-process for orch's refs (one git process fewer per
 * checkpoint, journal append and new session): take `<ref>.lock` with O_EXCL — git and orch
 * writers exclude each other through it — compare the current value (for a new ref: no loose file
 * and no packed-refs entry), write and fsync the lock, rename it over the ref. A writer killed in
 * between leaves a lock, removed once stale as git's would be. null when the case is not a plain
 * one (a packed-only or deleted ref to update, a ref with a reflog and no entry given for it, a
 * reftable repository, a directory in the way): git's update-ref does those.
 */
async function casLooseRef(repo: RepoInfo, ref: string, next: string, expected: string | null, o: LooseRefWrite = {}): Promise<boolean | null> {
  const branch = ref.startsWith('refs/heads/') && ((o.newBranch === true && expected === null) || o.reflog !== undefined);
  if (!(ref.startsWith('refs/orchestration/') || branch) || ref.includes('..')) return null;
  const file = path.join(repo.commonDir, ref);
  const log = path.join(repo.commonDir, 'logs', ref);
  if (!o.reflog && (await exists(log))) return null;
  if (expected === null) {
    if (await exists(path.join(repo.commonDir, 'reftable'))) return null;
    if (!(await mkdir(path.dirname(file), { recursive: true }).then(() => true, () => false))) return null;
  }
  const lock = `${file}.lock`;
  const deadline = Date.now() + REF_LOCK_TIMEOUT_MS;
  let fh: FileHandle | null = null;
  while (fh === null) {
    try {
      fh = await open(lock, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null; // no such ref directory: git decides
      if (code !== 'EEXIST') throw e;
      if (Date.now() > deadline) throw new OrchError('lock_held', `ref ${ref} is locked by another writer`, { hint: 'retry; a stale lock is removed automatically after 10 s' });
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
  let renamed = false;
  try {
    const current = await readFile(file, 'utf8').then((t) => t.trim(), () => null);
    if (expected === null) {
      if (current !== null || (await packedRef(repo, ref)) !== null) return false; // it exists already
    } else {
      if (current === null) return null; // packed or deleted meanwhile: git decides
      if (current !== expected) return false;
    }
    await fh.writeFile(`${next}\n`);
    await fh.sync();
    await fh.close();
    fh = null;
    // git's order: the new value in the lock, the reflog entries, then the rename that publishes it.
    for (const f of o.reflog ? [log, ...o.reflog.alsoTo] : []) {
      await mkdir(path.dirname(f), { recursive: true });
      await appendFile(f, o.reflog!.entry);
    }
    await rename(lock, file);
    renamed = true;
    return true;
  } finally {
    await fh?.close().catch(() => undefined);
    if (!renamed) await unlink(lock).catch(() => undefined);
  }
}

interface LooseRefWrite {
  /** A branch may be created (`refs/heads/…`, nothing expected); it gets no reflog entry. */
  newBranch?: boolean;
  /** A reflog line appended, as git appends it, to the ref's log and to these others (a worktree's HEAD log). */
  reflog?: { entry: string; alsoTo: string[] };
}

/**
 * Create a new ref — a branch too — the way `casRef` writes orch's refs: true when made, false when
 * it exists, null when the case is not plain (git must do it). A new branch gets no reflog entry.
 */
export const createLooseRef = (repo: RepoInfo, ref: string, sha: string): Promise<boolean | null> => casLooseRef(repo, ref, sha, null, { newBranch: true });

/**
 * Move a branch from `from` to `to` as `git commit` moves it: under its ref lock, with `entry`
 * appended to its reflog and to `headLog`. true when moved, false when it no longer holds `from`,
 * null when git must do it (a packed branch, a lock that stays held).
 */
export async function advanceBranch(repo: RepoInfo, branch: string, from: string, to: string, entry: string, headLog: string): Promise<boolean | null> {
  try {
    return await casLooseRef(repo, `refs/heads/${branch}`, to, from, { reflog: { entry, alsoTo: [headLog] } });
  } catch (e) {
    if (e instanceof OrchError && e.code === 'lock_held') return null;
    throw e;
  }
}

/** Remove a loose ref that `createLooseRef` made, under its lock, if it still holds `sha`. */
export async function deleteLooseRef(repo: RepoInfo, ref: string, sha: string): Promise<void> {
  const file = path.join(repo.commonDir, ref);
  const lock = `${file}.lock`;
  const fh = await open(lock, 'wx').catch(() => null);
  if (!fh) return;
  try {
    if ((await readFile(file, 'utf8').catch(() => '')).trim() === sha) await unlink(file);
  } finally {
    await fh.close();
    await unlink(lock).catch(() => undefined);
  }
}

/** A ref's entry in packed-refs, or null. */
async function packedRef(repo: RepoInfo, ref: string): Promise<string | null> {
  const packed = await readFile(path.join(repo.commonDir, 'packed-refs'), 'utf8').catch(() => '');
  const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`) && OBJECT_ID.test(l.slice(0, l.indexOf(' '))));
  return line ? line.slice(0, line.indexOf(' ')) : null;
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** Current value of a ref, or null. */
export async function readRef(repo: RepoInfo, ref: string): Promise<string | null> {
  const loose = await readLooseRef(repo, ref);
  if (loose !== null) return loose;
  const res = await git(repo.top, ['rev-parse', '--verify', '-q', `${ref}^{commit}`], { allowFail: true });
  return res.code === 0 ? res.stdout.toString('utf8').trim() : null;
}

/**
 * orch's own refs (always commits) read straight from their loose ref file: a loose ref wins over
 * packed-refs in git's own lookup, and update-ref replaces the file by rename, so a read is never
 * torn. Saves a git process per read (runners poll, hooks run on every tool call). Anything else —
 * packed, symbolic, a reftable repository — returns null and goes through git.
 */
async function readLooseRef(repo: RepoInfo, ref: string): Promise<string | null> {
  if (!ref.startsWith('refs/orchestration/') || ref.includes('..')) return null;
  try {
    const text = (await readFile(path.join(repo.commonDir, ref), 'utf8')).trim();
    return OBJECT_ID.test(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * A branch's commit from git's files when they answer plainly (a loose ref, else packed-refs), so
 * the convoy's per-issue worktree and merge steps cost no git process for it. A symbolic or
 * unreadable ref, or a reftable repository, asks git. null: no such branch.
 */
export async function readBranch(repo: RepoInfo, branch: string): Promise<string | null> {
  const ref = `refs/heads/${branch}`;
  if (!ref.includes('..') && !(await exists(path.join(repo.commonDir, 'reftable')))) {
    const loose = await readFile(path.join(repo.commonDir, ref), 'utf8').then((t) => t.trim(), () => null);
    if (loose !== null && OBJECT_ID.test(loose)) return loose;
    if (loose === null) return packedRef(repo, ref);
  }
  const res = await git(repo.top, ['rev-parse', '--verify', '-q', `${ref}^{commit}`], { allowFail: true });
  return res.code === 0 ? res.stdout.toString('utf8').trim() : null;
}

/**
 * orch's refs under `prefix` (a directory such as `refs/orchestration/<epic>/sessions/`) with their
 * commits, read as git reads them — loose ref files first (they win), then packed-refs (git packs
 * before it deletes a loose ref, so this order never misses one) — without a git process: workers
 * and hooks list sessions several times per issue. null when the answer is not plain (a reftable
 * repository, a symbolic or unreadable ref file): then ask git.
 */
export async function listOrchRefs(repo: RepoInfo, prefix: string): Promise<{ ref: string; sha: string }[] | null> {
  if (!prefix.startsWith('refs/orchestration/') || !prefix.endsWith('/') || prefix.includes('..')) return null;
  if (await exists(path.join(repo.commonDir, 'reftable'))) return null;
  const found = new Map<string, string>();
  // Synchronous reads: a hundred small ref files cost ~2 ms this way, ~25 ms through fs/promises
  // (four thread-pool round trips per file), which made this slower than the git process it spares.
  const walk = (rel: string): boolean => {
    let entries;
    try {
      entries = readdirSync(path.join(repo.commonDir, rel), { withFileTypes: true });
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR';
    }
    for (const e of entries) {
      const ref = `${rel}${e.name}`;
      if (e.isDirectory()) {
        if (!walk(`${ref}/`)) return false;
      } else if (!e.name.endsWith('.lock')) {
        let text: string;
        try {
          text = readFileSync(path.join(repo.commonDir, ref), 'utf8').trim();
        } catch {
          continue; // deleted since the listing
        }
        if (!OBJECT_ID.test(text)) return false;
        found.set(ref, text);
      }
    }
    return true;
  };
  if (!walk(prefix)) return null;
  const packed = await readFile(path.join(repo.commonDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const sp = line.indexOf(' ');
    const sha = line.slice(0, sp);
    const ref = line.slice(sp + 1);
    if (sp > 0 && OBJECT_ID.test(sha) && ref.startsWith(prefix) && !found.has(ref)) found.set(ref, sha);
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ref, sha]) => ({ ref, sha }));
}

export const branchExists = async (repo: RepoInfo, branch: string): Promise<boolean> => (await readBranch(repo, branch)) !== null;

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Read many `<object id>[:<path>]` objects through the repository's long-lived `cat-file --batch`
 * (ids, never HEAD: the reader is shared by all worktrees). Missing ones come back null.
 */
export async function readBlobs(repo: RepoInfo, specs: string[]): Promise<(Buffer | null)[]> {
  if (specs.length === 0) return [];
  const bad = specs.find((s) => s.includes('\n'));
  if (bad !== undefined) throw new OrchError('git_failed', `cannot read ${JSON.stringify(bad)}: an object name with a line break`);
  try {
    return await catFileBatch(repo.commonDir).read(specs);
  } catch {
    return catFileOnce(repo, specs); // the reader died (killed, git missing): one process, which reports its own error
  }
}

async function catFileOnce(repo: RepoInfo, specs: string[]): Promise<(Buffer | null)[]> {
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
