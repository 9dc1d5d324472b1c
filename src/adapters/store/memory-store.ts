import { OrchError } from '../../core/errors.ts';
import type { CheckpointStore, CheckpointWrite, EpicWrite, ListResult, SessionTip } from '../../core/store.ts';
import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { Epic } from '../../schema/epic.ts';
import type { SessionEvent } from '../../schema/event.ts';

interface Node {
  checkpoint: Checkpoint;
  events: SessionEvent[];
  parent: Node | null;
  seq: number;
}

/** The same contract as the git store, in memory: for tests and for library users who want no git. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly epics = new Map<string, { epic: Epic; events: SessionEvent[][] }>();
  private readonly tips = new Map<string, Node>(); // `${epic}/${session}` → newest
  private readonly byId = new Map<string, Node>();
  private seq = 0;

  getEpic(epicId: string): Promise<Epic | null> {
    return Promise.resolve(structuredClone(this.epics.get(epicId)?.epic ?? null));
  }

  putEpic(w: EpicWrite): Promise<boolean> {
    const cur = this.epics.get(w.epic.epicId);
    if ((cur?.epic.updatedAt ?? null) !== w.expectedVersion) return Promise.resolve(false);
    this.epics.set(w.epic.epicId, { epic: structuredClone(w.epic), events: [...(cur?.events ?? []), structuredClone(w.events)] });
    return Promise.resolve(true);
  }

  readEpicEvents(epicId: string): Promise<SessionEvent[]> {
    return Promise.resolve(structuredClone(this.epics.get(epicId)?.events.flat() ?? []));
  }

  listEpics(): Promise<string[]> {
    return Promise.resolve([...this.epics.keys()].sort());
  }

  putCheckpoint(w: CheckpointWrite): Promise<void> {
    const c = w.checkpoint;
    const key = `${c.epicId}/${c.sessionId}`;
    const tip = this.tips.get(key) ?? null;
    if ((tip?.checkpoint.id ?? null) !== w.expectedParent) {
      return Promise.reject(new OrchError('superseded', `session ${c.sessionId} of epic ${c.epicId} was moved by another writer; this writer stops`));
    }
    const parent = w.forkFrom ? this.byId.get(w.forkFrom) : tip;
    if (w.forkFrom && !parent) return Promise.reject(new OrchError('not_found', `checkpoint ${w.forkFrom} not found in epic ${c.epicId}`));
    const node: Node = { checkpoint: structuredClone(c), events: structuredClone(w.events), parent: parent ?? null, seq: ++this.seq };
    this.tips.set(key, node);
    this.byId.set(c.id, node);
    return Promise.resolve();
  }

  getCheckpoint(id: string, epicId?: string): Promise<Checkpoint | null> {
    const hits = [...this.byId.values()].filter((n) => n.checkpoint.id.startsWith(id) && (!epicId || n.checkpoint.epicId === epicId));
    if (hits.length > 1) return Promise.reject(new OrchError('usage', `checkpoint id ${id} is ambiguous (${hits.length} match)`));
    return Promise.resolve(hits[0] ? structuredClone(hits[0].checkpoint) : null);
  }

  latestInSession(epicId: string, sessionId: string): Promise<Checkpoint | null> {
    return Promise.resolve(structuredClone(this.tips.get(`${epicId}/${sessionId}`)?.checkpoint ?? null));
  }

  listSessions(epicId: string): Promise<SessionTip[]> {
    const tips = [...this.tips.entries()]
      .filter(([k]) => k.startsWith(`${epicId}/`))
      .map(([, n]) => ({
        sessionId: n.checkpoint.sessionId,
        sessionNumber: n.checkpoint.sessionNumber,
        checkpointId: n.checkpoint.id,
        status: n.checkpoint.status,
        costUsd: Number(n.checkpoint.context.sessionCost.toFixed(6)),
        createdAt: n.checkpoint.createdAt,
      }));
    return Promise.resolve(tips.sort((a, b) => a.sessionNumber - b.sessionNumber || a.sessionId.localeCompare(b.sessionId)));
  }

  listCheckpoints(epicId: string, opts: { sessionId?: string; limit?: number } = {}): Promise<ListResult> {
    const seen = new Set<Node>();
    for (const [k, tip] of this.tips) {
      if (!k.startsWith(`${epicId}/`) || (opts.sessionId && k !== `${epicId}/${opts.sessionId}`)) continue;
      for (let n: Node | null = tip; n; n = n.parent) seen.add(n);
    }
    const sorted = [...seen].sort((a, b) => (a.checkpoint.createdAt < b.checkpoint.createdAt ? 1 : a.checkpoint.createdAt > b.checkpoint.createdAt ? -1 : b.seq - a.seq));
    return Promise.resolve({ checkpoints: structuredClone(sorted.slice(0, opts.limit ?? sorted.length).map((n) => n.checkpoint)), errors: [] });
  }

  async readEvents(epicId: string, sessionId?: string): Promise<SessionEvent[]> {
    const sessions = sessionId ? [sessionId] : (await this.listSessions(epicId)).map((s) => s.sessionId);
    return sessions.flatMap((s) => {
      const chain: Node[] = [];
      for (let n = this.tips.get(`${epicId}/${s}`) ?? null; n; n = n.parent) chain.unshift(n);
      return structuredClone(chain.flatMap((n) => n.events));
    });
  }
}
