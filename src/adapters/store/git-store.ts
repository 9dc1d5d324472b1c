import { OrchError } from '../../core/errors.ts';
import type { CheckpointStore, CheckpointWrite, EpicWrite, ListResult, SessionTip } from '../../core/store.ts';
import { checkpointPath, parseCheckpoint, type Checkpoint } from '../../schema/checkpoint.ts';
import { SessionStatus } from '../../schema/context.ts';
import { parseEpic, type Epic } from '../../schema/epic.ts';
import { SessionEvent } from '../../schema/event.ts';
import { git, gitText } from '../git/git.ts';
import { recoverStaleLocks, STALE_LOCK_MS } from '../git/locks.ts';
import { casRef, listOrchRefs, readBlobs, readRef, writeObjects, type TreeSpec } from '../git/objects.ts';
import type { RepoInfo } from '../git/repo.ts';
import { checkpointMessage, commitTrailers, LOG_FORMAT, parseLog, type LoggedCommit } from './trailers.ts';

export const NAMESPACE = 'refs/orchestration';
const epicRef = (epic: string): string => `${NAMESPACE}/${epic}/epic`;
const sessionPrefix = (epic: string): string => `${NAMESPACE}/${epic}/sessions/`;
const sessionRef = (epic: string, session: string): string => `${sessionPrefix(epic)}${session}`;
const dirOf = (epic: string): string => `.orchestration/checkpoints/${epic}`;

const jsonl = (events: unknown[]): string => events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');

function parseEvents(buf: Buffer | null, what: string): SessionEvent[] {
  if (!buf) return [];
  return buf
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const res = SessionEvent.safeParse(JSON.parse(line));
      if (!res.success) throw new OrchError('corrupt', `an event in ${what} is invalid`);
      return res.data;
    });
}

/** Trailers of commits already read, by commit id (a commit never changes). */
const parsedTips = new Map<string, Map<string, string>>();

/**
 * Checkpoints as commits on private refs, written with plumbing and compare-and-swap only; the
 * user's HEAD, branches, index and working tree are never touched (design.md "Storage").
 */
export class GitCheckpointStore implements CheckpointStore {
  readonly repo: RepoInfo;
  /** checkpoint id → commit, filled by reads and writes in this process. */
  private readonly shaOf = new Map<string, string>();
  private readonly epicSha = new Map<string, string>();
  private readonly now: () => Date;
  private readonly staleLockMs: number;

  constructor(repo: RepoInfo, now: () => Date, opts: { staleLockMs?: number } = {}) {
    this.repo = repo;
    this.now = now;
    this.staleLockMs = opts.staleLockMs ?? STALE_LOCK_MS;
  }

  async getEpic(epicId: string): Promise<Epic | null> {
    const sha = await readRef(this.repo, epicRef(epicId));
    if (!sha) return null;
    const [blob] = await readBlobs(this.repo, [`${sha}:epic.json`]);
    if (!blob) throw new OrchError('corrupt', `epic record ${epicRef(epicId)} (${sha.slice(0, 10)}) has no epic.json`);
    const epic = parseEpic(blob.toString('utf8'), `epic record ${epicId} (${sha.slice(0, 10)})`);
    this.epicSha.set(`${epicId}@${epic.updatedAt}`, sha);
    return epic;
  }

  async putEpic(w: EpicWrite): Promise<boolean> {
    const ref = epicRef(w.epic.epicId);
    let expected: string | null = null;
    if (w.expectedVersion !== null) {
      expected = this.epicSha.get(`${w.epic.epicId}@${w.expectedVersion}`) ?? null;
      if (!expected) return false; // we never read that version: re-read
    }
    const message = `orch epic ${w.epic.epicId}\n\nOrch-Epic: ${w.epic.epicId}\nOrch-Budget: ${w.epic.budget ?? 'none'}\n`;
    const spec = { 'epic.json': JSON.stringify(w.epic, null, 2) + '\n', 'events.jsonl': jsonl(w.events) };
    const commit = (await writeObjects(this.repo, spec, { parents: expected ? [expected] : [], message, date: this.now() })).commit!;
    const ok = await this.cas(ref, commit, expected, `orch: epic ${w.epic.epicId}`);
    if (ok) this.epicSha.set(`${w.epic.epicId}@${w.epic.updatedAt}`, commit);
    return ok;
  }

  async readEpicEvents(epicId: string): Promise<SessionEvent[]> {
    return this.eventsAlong(epicRef(epicId), 'events.jsonl', `epic ${epicId}`);
  }

  async listEpics(): Promise<string[]> {
    const out = await gitText(this.repo.top, ['for-each-ref', '--format=%(refname)', `${NAMESPACE}/*/epic`]);
    return out
      .split('\n')
      .filter(Boolean)
      .map((r) => r.slice(NAMESPACE.length + 1, -'/epic'.length))
      .sort();
  }

  async putCheckpoint(w: CheckpointWrite): Promise<void> {
    const c = w.checkpoint;
    const ref = sessionRef(c.epicId, c.sessionId);
    const expected = w.expectedParent === null ? null : await this.resolve(c.epicId, c.sessionId, w.expectedParent);
    const parent = w.forkFrom ? await this.resolve(c.epicId, null, w.forkFrom) : expected;
    const dir: TreeSpec = { [`${c.id}.json`]: JSON.stringify(c, null, 2) + '\n', 'events.jsonl': jsonl(w.events) };
    if (w.brief !== undefined) dir['brief.md'] = w.brief;
    if (c.git?.snapshotTree) dir.wip = { tree: c.git.snapshotTree };
    const spec = { '.orchestration': { checkpoints: { [c.epicId]: dir } } };
    const commit = (await writeObjects(this.repo, spec, { parents: parent ? [parent] : [], message: checkpointMessage(c), date: this.now() })).commit!;
    if (!(await this.cas(ref, commit, expected, `orch: ${c.id}`))) {
      throw new OrchError('superseded', `session ${c.sessionId} of epic ${c.epicId} was moved by another writer; this writer stops`, {
        hint: `run: orch session status --epic ${c.epicId}`,
      });
    }
    this.shaOf.set(c.id, commit);
  }

  async getCheckpoint(id: string, epicId?: string): Promise<Checkpoint | null> {
    const glob = epicId ? `${sessionPrefix(epicId)}*` : `${NAMESPACE}/*/sessions/*`;
    const out = await gitText(this.repo.top, ['log', LOG_FORMAT, `--glob=${glob}`]);
    const hits = parseLog(out).filter((c) => (c.trailers.get('Orch-Checkpoint') ?? '').startsWith(id));
    const unique = [...new Map(hits.map((h) => [h.trailers.get('Orch-Checkpoint'), h])).values()];
    if (unique.length > 1) throw new OrchError('usage', `checkpoint id ${id} is ambiguous (${unique.length} match)`, { hint: 'give more characters of the id' });
    const hit = unique[0];
    if (!hit) return null;
    return (await this.readCheckpoints([hit]))[0]?.checkpoint ?? null;
  }

  async latestInSession(epicId: string, sessionId: string): Promise<Checkpoint | null> {
    const out = await gitText(this.repo.top, ['log', '-1', LOG_FORMAT, sessionRef(epicId, sessionId), '--'], {}).catch(() => '');
    const [tip] = parseLog(out);
    if (!tip) return null;
    const [res] = await this.readCheckpoints([tip]);
    if (res?.error) throw new OrchError('corrupt', res.error);
    return res?.checkpoint ?? null;
  }

  async listSessions(epicId: string): Promise<SessionTip[]> {
    const tips: SessionTip[] = [];
    for (const rec of (await this.tipsFromFiles(epicId)) ?? parseLog(await gitText(this.repo.top, ['for-each-ref', '--format=%(objectname)%1f%(contents:trailers:only,unfold)%1e', sessionPrefix(epicId)]))) {
      const t = rec.trailers;
      const status = SessionStatus.safeParse(t.get('Orch-Status'));
      const id = t.get('Orch-Checkpoint');
      if (!status.success || !id) continue; // not an orch checkpoint commit: listed by listCheckpoints' errors
      this.shaOf.set(id, rec.sha);
      tips.push({
        sessionId: t.get('Orch-Session') ?? '',
        sessionNumber: Number(t.get('Orch-Session-Number') ?? 0),
        checkpointId: id,
        status: status.data,
        costUsd: Number(t.get('Orch-Cost') ?? 0),
        createdAt: t.get('Orch-Created') ?? '',
      });
    }
    return tips.sort((a, b) => a.sessionNumber - b.sessionNumber || a.sessionId.localeCompare(b.sessionId));
  }

  /**
   * The sessions' tip commits and their trailers without a git process: the refs from their files,
   * the commits through the long-lived object reader, each commit parsed once per process (they
   * never change). null when the files do not answer plainly: then for-each-ref does.
   */
  private async tipsFromFiles(epicId: string): Promise<LoggedCommit[] | null> {
    const refs = await listOrchRefs(this.repo, sessionPrefix(epicId));
    if (refs === null) return null;
    const unknown = [...new Set(refs.map((r) => r.sha).filter((sha) => !parsedTips.has(sha)))];
    const raws = await readBlobs(this.repo, unknown);
    if (raws.some((r) => r === null)) return null; // a ref to a missing object: git reports it
    if (parsedTips.size > 50_000) parsedTips.clear();
    unknown.forEach((sha, i) => parsedTips.set(sha, commitTrailers(raws[i]!.toString('utf8'))));
    return refs.map((r) => ({ sha: r.sha, trailers: parsedTips.get(r.sha)! }));
  }

  async listCheckpoints(epicId: string, opts: { sessionId?: string; limit?: number } = {}): Promise<ListResult> {
    const refs = opts.sessionId ? [sessionRef(epicId, opts.sessionId)] : [`--glob=${sessionPrefix(epicId)}*`];
    const res = await git(this.repo.top, ['log', '--topo-order', LOG_FORMAT, ...refs, '--'], { allowFail: true });
    const commits = res.code === 0 ? parseLog(res.stdout.toString('utf8')) : [];
    const created = (c: LoggedCommit): string => c.trailers.get('Orch-Created') ?? '';
    const ordered = commits.map((c, i) => ({ c, i })).sort((a, b) => (created(a.c) < created(b.c) ? 1 : created(a.c) > created(b.c) ? -1 : a.i - b.i));
    const chosen = ordered.slice(0, opts.limit ?? ordered.length).map((x) => x.c);
    const read = await this.readCheckpoints(chosen);
    return {
      checkpoints: read.flatMap((r) => (r.checkpoint ? [r.checkpoint] : [])),
      errors: read.flatMap((r) => (r.error ? [{ ref: r.sha, message: r.error }] : [])),
    };
  }

  async readEvents(epicId: string, sessionId?: string): Promise<SessionEvent[]> {
    const sessions = sessionId ? [sessionId] : (await this.listSessions(epicId)).map((s) => s.sessionId);
    const all = await Promise.all(sessions.map((s) => this.eventsAlong(sessionRef(epicId, s), `${dirOf(epicId)}/events.jsonl`, `session ${s}`)));
    return all.flat();
  }

  /** Concatenate the per-commit event deltas along a ref's chain, oldest first. */
  private async eventsAlong(ref: string, file: string, what: string): Promise<SessionEvent[]> {
    const res = await git(this.repo.top, ['rev-list', '--topo-order', '--reverse', ref, '--'], { allowFail: true });
    if (res.code !== 0) return [];
    const shas = res.stdout.toString('utf8').split('\n').filter(Boolean);
    const blobs = await readBlobs(this.repo, shas.map((s) => `${s}:${file}`));
    return blobs.flatMap((b, i) => parseEvents(b, `${what} (${shas[i]?.slice(0, 10)})`));
  }

  private async readCheckpoints(commits: LoggedCommit[]): Promise<{ sha: string; checkpoint?: Checkpoint; error?: string }[]> {
    const specs = commits.map((c) => {
      const epic = c.trailers.get('Orch-Epic') ?? '?';
      const id = c.trailers.get('Orch-Checkpoint') ?? '?';
      return `${c.sha}:${checkpointPath(epic, id)}`;
    });
    const blobs = await readBlobs(this.repo, specs);
    return commits.map((c, i) => {
      const what = `checkpoint ${c.trailers.get('Orch-Checkpoint') ?? '(no id)'} (commit ${c.sha.slice(0, 10)})`;
      const blob = blobs[i];
      if (!blob) return { sha: c.sha, error: `${what}: checkpoint document missing` };
      try {
        const checkpoint = parseCheckpoint(blob.toString('utf8'), what);
        this.shaOf.set(checkpoint.id, c.sha);
        return { sha: c.sha, checkpoint };
      } catch (e) {
        if (e instanceof OrchError && e.code === 'schema_unsupported') throw e;
        return { sha: c.sha, error: e instanceof Error ? e.message : String(e) };
      }
    });
  }

  /** Commit of a checkpoint id: from this process's cache, else from the session's tip or the log. */
  private async resolve(epicId: string, sessionId: string | null, id: string): Promise<string> {
    const cached = this.shaOf.get(id);
    if (cached) return cached;
    const scope = sessionId ? [sessionRef(epicId, sessionId)] : [`--glob=${sessionPrefix(epicId)}*`];
    const out = await gitText(this.repo.top, ['log', LOG_FORMAT, ...scope, '--']).catch(() => '');
    const hit = parseLog(out).find((c) => c.trailers.get('Orch-Checkpoint') === id);
    if (!hit) throw new OrchError('not_found', `checkpoint ${id} not found in epic ${epicId}`);
    this.shaOf.set(id, hit.sha);
    return hit.sha;
  }

  /**
   * Compare-and-swap. A ref lock left by a writer killed mid-update blocks the ref until it is
   * stale; then it is removed and the write goes through (bounded wait).
   */
  private async cas(ref: string, next: string, expected: string | null, reason: string): Promise<boolean> {
    const deadline = this.now().getTime() + this.staleLockMs + 3000;
    for (;;) {
      try {
        return await casRef(this.repo, ref, next, expected, reason);
      } catch (e) {
        if (!(e instanceof OrchError && e.code === 'lock_held') || this.now().getTime() > deadline) throw e;
        if ((await recoverStaleLocks(this.repo, this.now(), this.staleLockMs)) === 0) await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

