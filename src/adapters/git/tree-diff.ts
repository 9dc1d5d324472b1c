import { OrchError } from '../../core/errors.ts';
import { readBlobs } from './objects.ts';
import type { RepoInfo } from './repo.ts';

interface Entry {
  mode: string;
  id: string;
}

/** A tree object's entries by name (`<mode> <name>\0<raw id>` each). */
function parseTree(body: Buffer, idBytes: number): Map<string, Entry> {
  const out = new Map<string, Entry>();
  let pos = 0;
  while (pos < body.length) {
    const sp = body.indexOf(0x20, pos);
    const nul = body.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 1 + idBytes > body.length) throw new OrchError('corrupt', 'a tree object that does not parse');
    out.set(body.subarray(sp + 1, nul).toString('utf8'), { mode: body.subarray(pos, sp).toString('ascii'), id: body.subarray(nul + 1, nul + 1 + idBytes).toString('hex') });
    pos = nul + 1 + idBytes;
  }
  return out;
}

const isTree = (e: Entry | undefined): boolean => e?.mode === '40000';

/**
 * Paths whose content or mode differs between two commits (added, deleted or changed; no rename
 * pairing, so a move lists both names), read through the long-lived object reader: what
 * `git diff --name-only --no-renames a b` answers, without a git process. Only subtrees whose ids
 * differ are opened.
 */
export async function changedPaths(repo: RepoInfo, a: string, b: string): Promise<string[]> {
  const idBytes = repo.objectFormat === 'sha256' ? 32 : 20;
  const trees = await readBlobs(repo, [`${a}^{tree}`, `${b}^{tree}`]);
  if (!trees[0] || !trees[1]) throw new OrchError('not_found', `cannot read the trees of ${a.slice(0, 12)} and ${b.slice(0, 12)}`);
  const tree = async (id: string): Promise<Buffer> => {
    const [body] = await readBlobs(repo, [id]);
    if (!body) throw new OrchError('not_found', `tree ${id.slice(0, 12)} is missing`);
    return body;
  };
  const out: string[] = [];
  const walk = async (x: Buffer | null, y: Buffer | null, prefix: string): Promise<void> => {
    const left = x ? parseTree(x, idBytes) : new Map<string, Entry>();
    const right = y ? parseTree(y, idBytes) : new Map<string, Entry>();
    const names = [...new Set([...left.keys(), ...right.keys()])].sort();
    for (const name of names) {
      const l = left.get(name);
      const r = right.get(name);
      if (l && r && l.id === r.id && l.mode === r.mode) continue;
      const p = prefix + name;
      // A file on one side and a tree on the other is both: the file's path and the tree's files.
      if ((l && !isTree(l)) || (r && !isTree(r))) out.push(p);
      if (isTree(l) || isTree(r)) await walk(isTree(l) ? await tree(l!.id) : null, isTree(r) ? await tree(r!.id) : null, `${p}/`);
    }
  };
  await walk(trees[0], trees[1], '');
  return out.sort();
}
