import type { ConvoyEventInput, ConvoyStore } from '../../core/convoy/types.ts';
import { OrchError } from '../../core/errors.ts';
import type { Clock, IdSource } from '../../core/ports.ts';
import { parseConvoy, type Convoy } from '../../schema/convoy.ts';
import { SessionEvent } from '../../schema/event.ts';
import { git, gitText } from '../git/git.ts';
import { casRef, readBlobs, readRef, writeObjects } from '../git/objects.ts';
import type { RepoInfo } from '../git/repo.ts';
import { NAMESPACE } from './git-store.ts';

const convoyRef = (epic: string, id: string): string => `${NAMESPACE}/${epic}/convoys/${id}`;

/** Convoys as commit chains next to their epic's sessions: convoy.json + the events of each write. */
export class GitConvoyStore implements ConvoyStore {
  private readonly repo: RepoInfo;
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly sha = new Map<string, string>();

  constructor(repo: RepoInfo, clock: Clock, ids: IdSource) {
    this.repo = repo;
    this.clock = clock;
    this.ids = ids;
  }

  async get(epicId: string, convoyId: string): Promise<Convoy | null> {
    const ref = convoyRef(epicId, convoyId);
    const tip = await readRef(this.repo, ref);
    if (!tip) return null;
    const [blob] = await readBlobs(this.repo, [`${tip}:convoy.json`]);
    if (!blob) throw new OrchError('corrupt', `convoy ${convoyId} (${tip.slice(0, 10)}) has no convoy.json`);
    const c = parseConvoy(blob.toString('utf8'), `convoy ${convoyId}`);
    this.sha.set(`${ref}@${c.updatedAt}`, tip);
    return c;
  }

  async append(doc: Convoy, events: ConvoyEventInput[], expectedUpdatedAt: string | null): Promise<Convoy | null> {
    const ref = convoyRef(doc.epicId, doc.id);
    const expected = expectedUpdatedAt === null ? null : (this.sha.get(`${ref}@${expectedUpdatedAt}`) ?? null);
    if (expectedUpdatedAt !== null && !expected) return null;
    // Someone else wrote since that version (a worker's session record): say so before writing objects for nothing.
    if ((await readRef(this.repo, ref)) !== expected) return null;
    const now = this.clock.now();
    // updatedAt is the compare-and-swap version: strictly later than the version it replaces.
    const stampMs = expectedUpdatedAt === null ? now.getTime() : Math.max(now.getTime(), Date.parse(expectedUpdatedAt) + 1);
    const convoy = { ...doc, updatedAt: new Date(stampMs).toISOString() };
    const at = now.toISOString();
    const stamped = events.map((e) => ({ ...e, id: `ev_${this.ids.ulid()}`, at, sessionId: `convoy:${convoy.id}`, sessionNumber: 1 }));
    const spec = { 'convoy.json': JSON.stringify(convoy, null, 2) + '\n', 'events.jsonl': stamped.map((e) => JSON.stringify(e)).join('\n') + (stamped.length ? '\n' : '') };
    const message = `orch convoy ${convoy.id}\n\nOrch-Epic: ${convoy.epicId}\nOrch-Convoy: ${convoy.id}\n`;
    const { commit } = await writeObjects(this.repo, spec, { parents: expected ? [expected] : [], message, date: now });
    const ok = await casRef(this.repo, ref, commit!, expected, `orch: convoy ${convoy.id}`).catch((e: unknown) => {
      if (e instanceof OrchError && e.code === 'lock_held') return false;
      throw e;
    });
    if (!ok) return null;
    this.sha.set(`${ref}@${convoy.updatedAt}`, commit!);
    // The commit's parent is the tip this process last read: its events are known without reading.
    const cached = this.seen.get(ref);
    if (cached && expected !== null && cached.tip === expected) {
      this.seen.set(ref, { tip: commit!, events: [...cached.events, ...stamped.map((e) => SessionEvent.parse(JSON.parse(JSON.stringify(e))))] });
    }
    return convoy;
  }

  /** Events are read incrementally: only commits after the last tip this process saw. */
  private readonly seen = new Map<string, { tip: string; events: SessionEvent[] }>();

  async events(epicId: string, convoyId: string): Promise<SessionEvent[]> {
    const ref = convoyRef(epicId, convoyId);
    const tip = await readRef(this.repo, ref);
    if (!tip) return [];
    const cached = this.seen.get(ref);
    if (cached?.tip === tip) return cached.events;
    const shas = (cached && (await this.newSince(tip, cached.tip))) ?? (await this.revList(tip, cached?.tip ?? null));
    if (!shas) return [];
    const blobs = await readBlobs(this.repo, shas.map((s) => `${s}:events.jsonl`));
    const fresh = blobs.flatMap((b) =>
      (b?.toString('utf8') ?? '')
        .split('\n')
        .filter(Boolean)
        .map((l) => SessionEvent.parse(JSON.parse(l))),
    );
    const events = [...(cached?.events ?? []), ...fresh];
    this.seen.set(ref, { tip, events });
    return events;
  }

  /**
   * The journal is one chain of single-parent commits, and other writers add a few between two
   * reads of a dispatcher: walk back from the tip through the long-lived object reader to the tip
   * already read (no git process). Null when the walk does not end there soon (then rev-list).
   */
  private async newSince(tip: string, known: string): Promise<string[] | null> {
    const shas: string[] = [];
    for (let at = tip; at !== known; ) {
      if (shas.length >= 32) return null;
      shas.push(at);
      const [commit] = await readBlobs(this.repo, [at]);
      const parents = [...(commit?.toString('utf8').split('\n\n', 1)[0] ?? '').matchAll(/^parent ([0-9a-f]+)$/gm)].map((m) => m[1]!);
      if (parents.length !== 1) return null;
      at = parents[0]!;
    }
    return shas.reverse();
  }

  private async revList(tip: string, known: string | null): Promise<string[] | null> {
    const res = await git(this.repo.top, ['rev-list', '--reverse', tip, ...(known ? [`^${known}`] : []), '--'], { allowFail: true });
    return res.code === 0 ? res.stdout.toString('utf8').split('\n').filter(Boolean) : null;
  }

  async list(epicId?: string): Promise<Convoy[]> {
    const pattern = epicId ? `${NAMESPACE}/${epicId}/convoys/` : `${NAMESPACE}/*/convoys/*`;
    const out = await gitText(this.repo.top, ['for-each-ref', '--format=%(refname)', pattern]);
    const refs = out.split('\n').filter(Boolean);
    const found = await Promise.all(refs.map((r) => {
      const parts = r.split('/');
      return this.get(parts[2]!, parts[4]!);
    }));
    return found.filter((c): c is Convoy => c !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
