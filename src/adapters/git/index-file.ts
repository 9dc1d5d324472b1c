import { readFileSync } from 'node:fs';
import type { RepoInfo } from './repo.ts';

interface ParsedIndex {
  paths: string[];
  /** The cache tree's root: the tree the index holds, when git has recorded it and nothing changed since. */
  rootTree: string | null;
}

/**
 * The paths a git index holds (what `git ls-files -c` lists), read from the file itself: one git
 * process fewer per snapshot of a fresh worktree. Versions 2, 3 and 4 (prefix-compressed names).
 * null when the file does not answer alone — a split index (entries in a shared file), a sparse
 * index (directories stand for files), an unknown version or a damaged file — and git must be asked.
 * A missing file is an empty index.
 */
export function readIndexPaths(file: string, format: RepoInfo['objectFormat']): string[] | null {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? [] : null;
  }
  return parseIndex(buf, format)?.paths ?? null;
}

/** The tree an index's content equals, from its cache-tree extension (null: not recorded or not plain). */
export function indexRootTree(buf: Buffer, format: RepoInfo['objectFormat']): string | null {
  return parseIndex(buf, format)?.rootTree ?? null;
}

function parseIndex(buf: Buffer, format: RepoInfo['objectFormat']): ParsedIndex | null {
  const oidLen = format === 'sha256' ? 32 : 20;
  if (buf.length < 12 + oidLen || buf.toString('latin1', 0, 4) !== 'DIRC') return null;
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) return null;
  const count = buf.readUInt32BE(8);
  const end = buf.length - oidLen; // the trailing checksum
  const paths: string[] = [];
  let previous: Buffer = Buffer.alloc(0);
  let at = 12;
  for (let i = 0; i < count; i++) {
    const start = at;
    if (at + 40 + oidLen + 2 > end) return null;
    const mode = buf.readUInt32BE(at + 24);
    if ((mode & 0o170000) === 0o040000) return null; // a sparse directory entry
    const flags = buf.readUInt16BE(at + 40 + oidLen);
    at += 40 + oidLen + 2 + (version >= 3 && flags & 0x4000 ? 2 : 0);
    let name: Buffer;
    if (version === 4) {
      // A varint says how many bytes of the previous name to drop; the rest follows, NUL-ended.
      let drop = buf[at]! & 0x7f;
      while (buf[at++]! & 0x80) {
        if (at >= end) return null;
        drop = ((drop + 1) << 7) | (buf[at]! & 0x7f);
      }
      const nul = buf.indexOf(0, at);
      if (nul < 0 || nul >= end || drop > previous.length) return null;
      name = Buffer.concat([previous.subarray(0, previous.length - drop), buf.subarray(at, nul)]);
      at = nul + 1;
    } else {
      const nul = buf.indexOf(0, at);
      if (nul < 0 || nul >= end) return null;
      name = buf.subarray(at, nul);
      at = start + ((at - start + name.length + 8) & ~7); // 1–8 NULs pad the entry to a multiple of 8
    }
    previous = name;
    paths.push(name.toString('utf8'));
  }
  // Extensions: a split index keeps its entries in another file, a sparse one has directories.
  let rootTree: string | null = null;
  while (at + 8 <= end) {
    const sig = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32BE(at + 4);
    if (sig === 'link' || sig === 'sdir') return null;
    if (sig === 'TREE') rootTree = cacheTreeRoot(buf.subarray(at + 8, at + 8 + size), oidLen);
    at += 8 + size;
  }
  if (at !== end) return null;
  // Unmerged paths appear once per stage, next to each other.
  return { paths: paths.filter((p, i) => p !== paths[i - 1]), rootTree };
}

/** The root entry of a cache-tree extension: "" NUL "<entries> <subtrees>" LF, then the tree id unless invalid (-1). */
function cacheTreeRoot(ext: Buffer, oidLen: number): string | null {
  const lf = ext.indexOf(10);
  if (ext[0] !== 0 || lf < 0) return null;
  const entries = Number(ext.toString('latin1', 1, lf).split(' ')[0]);
  if (!Number.isInteger(entries) || entries < 0 || lf + 1 + oidLen > ext.length) return null;
  return ext.toString('hex', lf + 1, lf + 1 + oidLen);
}
