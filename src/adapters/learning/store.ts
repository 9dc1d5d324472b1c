import { OrchError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports.ts';
import type { DocKind, LearningStore, StoredDoc } from '../../core/learning/ports.ts';
import { git, gitText } from '../git/git.ts';
import { casRef, readBlobs, readRef, writeObjects } from '../git/objects.ts';
import type { RepoInfo } from '../git/repo.ts';
import { NAMESPACE } from '../store/git-store.ts';

/**
 * Learning documents in git, next to the epics: `refs/orchestration/_learning/<kind>/<id>`, one
 * commit per version (tree: `<kind>.json`), parent = the previous version, moved by compare-and-swap.
 * Epic ids must start with a letter or digit, so `_learning` never collides with an epic, and
 * `orch sync` (refs/orchestration/*) carries learnings to other machines too.
 */
export const LEARNING_NS = `${NAMESPACE}/_learning`;
const refOf = (kind: DocKind, id: string): string => `${LEARNING_NS}/${kind}/${id}`;
const FILE = (kind: DocKind): string => `${kind}.json`;

export class GitLearningStore implements LearningStore {
  private readonly repo: RepoInfo;
  private readonly clock: Clock;

  constructor(repo: RepoInfo, clock: Clock) {
    this.repo = repo;
    this.clock = clock;
  }

  private parse(buf: Buffer | null, what: string): unknown {
    if (!buf) throw new OrchError('corrupt', `${what} has no document`);
    try {
      return JSON.parse(buf.toString('utf8')) as unknown;
    } catch {
      throw new OrchError('corrupt', `${what} is not valid JSON`);
    }
  }

  async get(kind: DocKind, id: string): Promise<StoredDoc | null> {
    const tip = await readRef(this.repo, refOf(kind, id));
    if (!tip) return null;
    const [blob] = await readBlobs(this.repo, [`${tip}:${FILE(kind)}`]);
    return { doc: this.parse(blob ?? null, `${kind}/${id}`), version: tip };
  }

  async put(kind: DocKind, id: string, doc: unknown, expectedVersion: string | null, message: string): Promise<boolean> {
    const { commit } = await writeObjects(this.repo, { [FILE(kind)]: JSON.stringify(doc, null, 2) + '\n' }, {
      parents: expectedVersion ? [expectedVersion] : [],
      message: `${message}\n\nOrch-Learning: ${kind}/${id}\n`,
      date: this.clock.now(),
    });
    return casRef(this.repo, refOf(kind, id), commit!, expectedVersion, `orch: ${kind} ${id}`);
  }

  async list(kind: DocKind): Promise<string[]> {
    const prefix = `${LEARNING_NS}/${kind}/`;
    const out = await gitText(this.repo.top, ['for-each-ref', '--format=%(refname)', prefix]);
    return out.split('\n').filter(Boolean).map((r) => r.slice(prefix.length)).sort();
  }

  async history(kind: DocKind, id: string): Promise<unknown[]> {
    const tip = await readRef(this.repo, refOf(kind, id));
    if (!tip) return [];
    const res = await git(this.repo.top, ['rev-list', '--reverse', '--first-parent', tip, '--']);
    const shas = res.stdout.toString('utf8').split('\n').filter(Boolean);
    const blobs = await readBlobs(this.repo, shas.map((s) => `${s}:${FILE(kind)}`));
    return blobs.map((b, i) => this.parse(b, `${kind}/${id}@${shas[i]!.slice(0, 10)}`));
  }
}

/** The same contract in memory, for unit tests. */
export class MemoryLearningStore implements LearningStore {
  private readonly docs = new Map<string, unknown[]>();

  get(kind: DocKind, id: string): Promise<StoredDoc | null> {
    const h = this.docs.get(`${kind}/${id}`);
    return Promise.resolve(h ? { doc: structuredClone(h.at(-1)), version: String(h.length) } : null);
  }

  put(kind: DocKind, id: string, doc: unknown, expectedVersion: string | null): Promise<boolean> {
    const h = this.docs.get(`${kind}/${id}`);
    if ((h ? String(h.length) : null) !== expectedVersion) return Promise.resolve(false);
    this.docs.set(`${kind}/${id}`, [...(h ?? []), structuredClone(doc)]);
    return Promise.resolve(true);
  }

  list(kind: DocKind): Promise<string[]> {
    return Promise.resolve([...this.docs.keys()].filter((k) => k.startsWith(`${kind}/`)).map((k) => k.slice(kind.length + 1)).sort());
  }

  history(kind: DocKind, id: string): Promise<unknown[]> {
    return Promise.resolve(structuredClone(this.docs.get(`${kind}/${id}`) ?? []));
  }
}
