import { OrchError, isOrchError, type OrchErrorCode } from '../../core/errors.ts';
import { nullSink, type EventSink } from '../../core/ports.ts';
import type { IssuePatch, ListQuery, NewIssue, ReadyQuery, Tracker, TrackerIssue } from '../../core/tracker/types.ts';
import { parseBdError, parseIssues, unwrap } from '../../schema/beads.ts';
import { run, type RunResult } from '../process/run.ts';
import { queueKey, serialise } from './queue.ts';

export interface BeadsTrackerOptions {
  /** Directory bd runs in; it finds `.beads/` from here (worktree redirects included). */
  workspace: string;
  /** Binary to run. Default `bd` from PATH. */
  bin?: string;
  /** Base environment. Default process.env; a stray BEADS_DIR in it is dropped (§5.1). */
  env?: NodeJS.ProcessEnv;
  /** Pin the database explicitly with BEADS_DIR. */
  beadsDir?: string;
  /** `--actor` for writes other than claims (claims act as the assignee). Default `orch`. */
  actor?: string;
  timeoutMs?: number;
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  sleep?: (ms: number) => Promise<void>;
  events?: EventSink;
  /** Ids per `bd show` call (argv stays far below ARG_MAX). Default 200. */
  showBatch?: number;
}

const INSTALL_HINT =
  'install beads (npm install -g @beads/bd, or brew install beads; see https://github.com/gastownhall/beads), ' +
  'make sure `bd` is on PATH, or use a task file tracker instead';
/** Lock / busy errors from embedded Dolt under concurrent access (§2.9): worth another try. */
const TRANSIENT = /database is locked|exclusive lock|resource temporarily unavailable|\bbusy\b|try again|deadlock|connection refused|too many connections|i\/o timeout/i;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

function checkId(id: string): string {
  if (!ID.test(id)) throw new OrchError('invalid_id', `not a beads issue id: ${JSON.stringify(id)}`);
  return id;
}

function classify(message: string, code: string | undefined): OrchErrorCode {
  if (code === 'not_found' || /not found|no issue found/i.test(message)) return 'not_found';
  if (/no beads database|bd init|not initialized/i.test(message)) return 'config_invalid';
  if (code === 'validation' || code === 'usage' || /^invalid|required|usage:|cannot specify/i.test(message)) return 'usage';
  if (/already claimed/i.test(message)) return 'lock_held';
  if (/cannot close|cannot claim|cycle/i.test(message)) return 'illegal_transition';
  return 'agent_failed';
}

interface Call {
  args: string[];
  /** Put after `--` so text starting with `-` is never read as a flag. */
  positional?: string[];
  actor?: string;
  /** A timed-out write may have landed; only reads are retried after a timeout. */
  readOnly: boolean;
}

export class BeadsTracker implements Tracker {
  readonly kind = 'beads' as const;
  private readonly o: BeadsTrackerOptions;
  private readonly key: string;
  private warnedVersion = false;

  constructor(opts: BeadsTrackerOptions) {
    this.o = opts;
    this.key = queueKey(opts.workspace);
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...(this.o.env ?? process.env), BD_JSON_ENVELOPE: '1' };
    delete env['BEADS_DIR'];
    if (this.o.beadsDir !== undefined) env['BEADS_DIR'] = this.o.beadsDir;
    return env;
  }

  /** One bd invocation, queued behind every other on this workspace, retried while transient. */
  private bd(c: Call): Promise<unknown> {
    const argv = [...c.args, '--json', ...(c.actor !== undefined ? [`--actor=${c.actor}`] : []), ...(c.positional ? ['--', ...c.positional] : [])];
    const what = `bd ${c.args.slice(0, c.args[0] === 'comments' || c.args[0] === 'dep' ? 2 : 1).join(' ')}`;
    return serialise(this.key, async () => {
      const attempts = Math.max(1, this.o.retry?.attempts ?? 5);
      const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      for (let attempt = 1; ; attempt++) {
        // `list --limit 0` on a real tracker passes 1 MiB (the runner's default tail): keep it all.
        const res = await run(this.o.bin ?? 'bd', argv, { cwd: this.o.workspace, env: this.env(), timeoutMs: this.o.timeoutMs ?? 60_000, maxBuffer: 256 << 20 });
        const outcome = this.outcome(res, what, c);
        if (outcome.kind === 'ok') return outcome.data;
        if (outcome.kind === 'fatal' || attempt >= attempts) throw outcome.error;
        const base = this.o.retry?.baseMs ?? 200;
        const delay = Math.min(this.o.retry?.maxMs ?? 3000, base * 2 ** (attempt - 1));
        this.events().emit({ type: 'tracker.retry', command: what, attempt, delayMs: delay, reason: outcome.error.message });
        await sleep(delay / 2 + Math.random() * (delay / 2)); // jitter: parallel orch processes spread out
      }
    });
  }

  private events(): EventSink {
    return this.o.events ?? nullSink;
  }

  private outcome(res: RunResult, what: string, c: Call): { kind: 'ok'; data: unknown } | { kind: 'retry' | 'fatal'; error: OrchError } {
    if (res.spawnError !== undefined) {
      const missing = res.spawnError.code === 'ENOENT' || res.spawnError.code === 'EACCES';
      return {
        kind: 'fatal',
        error: new OrchError(missing ? 'not_found' : 'agent_failed', missing ? `beads CLI not found: ${this.o.bin ?? 'bd'}` : `${what} could not start: ${res.spawnError.message}`, {
          hint: INSTALL_HINT,
          cause: res.spawnError,
        }),
      };
    }
    if (res.timedOut) {
      const error = new OrchError('lock_held', `${what} timed out after ${res.durationMs} ms`, { hint: 'another bd process may hold the database; retry, or use server mode (bd init --server)' });
      return { kind: c.readOnly ? 'retry' : 'fatal', error };
    }
    if (res.exitCode !== 0) {
      const info = parseBdError(res.stderr);
      const message = info.message || `exited with ${res.exitCode ?? res.signal ?? 'unknown status'}`;
      if (TRANSIENT.test(message) || TRANSIENT.test(res.stderr)) {
        return { kind: 'retry', error: new OrchError('lock_held', `${what}: ${message}`, { hint: 'another process holds the beads database; retry later or use server mode (bd init --server)' }) };
      }
      const code = classify(message, info.code);
      return { kind: 'fatal', error: new OrchError(code, `${what}: ${message}`, code === 'config_invalid' ? { hint: `run \`bd init\` in ${this.o.workspace}` } : {}) };
    }
    if (res.stdout.trim() === '') return { kind: 'ok', data: undefined };
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.stdout);
    } catch {
      return { kind: 'fatal', error: new OrchError('corrupt', `${what} printed something that is not JSON: ${res.stdout.trim().slice(0, 120)}`) };
    }
    const u = unwrap(parsed);
    if (u.schemaVersion !== undefined && u.schemaVersion > 1 && !this.warnedVersion) {
      this.warnedVersion = true; // newer contract: warn once, keep going (§5.2)
      this.events().emit({ type: 'tracker.warning', message: `bd speaks JSON schema_version ${u.schemaVersion}; orch knows 1` });
    }
    return { kind: 'ok', data: u.data };
  }

  private async issues(c: Call): Promise<TrackerIssue[]> {
    const data = await this.bd(c);
    const parsed = parseIssues(data);
    if (!parsed.ok) throw new OrchError('corrupt', `bd ${c.args[0] ?? ''} returned an issue orch cannot read: ${parsed.error}`);
    return parsed.issues;
  }

  private async one(id: string): Promise<TrackerIssue> {
    const [issue] = await this.show([id]);
    if (issue === undefined) throw new OrchError('not_found', `beads issue ${id} not found`);
    return issue;
  }

  ready(q: ReadyQuery = {}): Promise<TrackerIssue[]> {
    const args = ['ready', '--limit', String(q.limit ?? 0)];
    if (q.parent !== undefined) args.push('--parent', checkId(q.parent));
    return this.issues({ args, readOnly: true });
  }

  list(q: ListQuery = {}): Promise<TrackerIssue[]> {
    // Without a status, closed issues matter too: `--all` (bd hides them by default).
    const args = ['list', '--limit', '0', ...(q.status !== undefined ? [`--status=${q.status}`] : ['--all'])];
    if (q.parent !== undefined) args.push('--parent', checkId(q.parent));
    return this.issues({ args, readOnly: true });
  }

  async show(ids: readonly string[]): Promise<TrackerIssue[]> {
    const unique = [...new Set(ids.map(checkId))];
    const batch = Math.max(1, this.o.showBatch ?? 200);
    const found = new Map<string, TrackerIssue>();
    for (let i = 0; i < unique.length; i += batch) {
      for (const issue of await this.issues({ args: ['show', ...unique.slice(i, i + batch)], readOnly: true })) found.set(issue.id, issue);
    }
    const out: TrackerIssue[] = [];
    const missing: string[] = [];
    for (const id of unique) {
      const issue = found.get(id);
      if (issue === undefined) missing.push(id);
      else out.push(issue);
    }
    if (missing.length > 0) throw new OrchError('not_found', `beads issue(s) not found: ${missing.join(', ')}`);
    return out;
  }

  async claim(id: string, assignee: string): Promise<TrackerIssue> {
    let refusal: OrchError | undefined;
    try {
      await this.bd({ args: ['update', checkId(id), '--claim'], actor: assignee, readOnly: false });
    } catch (e) {
      // bd's answer is advisory (double claims happened, §4): the re-read decides. Lock and
      // missing-binary errors mean nothing was attempted, so they stand.
      if (!isOrchError(e) || e.code === 'not_found' || (e.code === 'lock_held' && !/already claimed/i.test(e.message))) throw e;
      refusal = e;
    }
    const now = await this.one(id);
    if (now.assignee === assignee && now.status === 'in_progress') return now;
    if (now.assignee !== null && now.assignee !== assignee) {
      throw new OrchError('lock_held', `${id} is already claimed by ${now.assignee}`, { hint: 'take another issue from `ready`; the holder must release it first' });
    }
    throw new OrchError('illegal_transition', `could not claim ${id} (status ${now.status})${refusal ? `: ${refusal.message}` : ''}`);
  }

  async update(id: string, patch: IssuePatch): Promise<TrackerIssue> {
    const args = ['update', checkId(id)];
    if (patch.status !== undefined) args.push(`--status=${patch.status}`);
    if (patch.notes !== undefined && patch.notes !== '') args.push(`--append-notes=${patch.notes}`);
    for (const [k, v] of Object.entries(patch.metadata ?? {})) {
      if (k === '' || k.includes('=')) throw new OrchError('usage', `metadata key ${JSON.stringify(k)} must be non-empty and contain no "="`);
      args.push(`--set-metadata=${k}=${v}`);
    }
    if (args.length > 2) await this.bd({ args, actor: this.o.actor ?? 'orch', readOnly: false });
    return this.one(id);
  }

  async close(id: string, reason: string): Promise<TrackerIssue> {
    let refusal: OrchError | undefined;
    try {
      await this.bd({ args: ['close', checkId(id), `--reason=${reason}`], actor: this.o.actor ?? 'orch', readOnly: false });
    } catch (e) {
      if (!isOrchError(e) || e.code === 'not_found' || e.code === 'lock_held') throw e;
      refusal = e;
    }
    // The close guard has exited 0 while refusing (§2.5): only the re-read status counts.
    const now = await this.one(id);
    if (now.status === 'closed') return now;
    throw new OrchError('illegal_transition', refusal ? refusal.message : `bd close ${id} left it ${now.status}`, {
      hint: 'close or remove its open blockers first',
    });
  }

  async create(input: NewIssue): Promise<TrackerIssue> {
    const args = ['create', `--title=${input.title}`, `--description=${input.description}`, `--type=${input.type}`, `--priority=${input.priority}`];
    if (input.parent !== undefined) args.push(`--parent=${checkId(input.parent)}`);
    if (input.discoveredFrom !== undefined) args.push(`--deps=discovered-from:${checkId(input.discoveredFrom)}`);
    if (input.labels !== undefined && input.labels.length > 0) args.push(`--labels=${input.labels.join(',')}`);
    const [created] = await this.issues({ args, actor: this.o.actor ?? 'orch', readOnly: false });
    if (created === undefined) throw new OrchError('corrupt', 'bd create returned no issue');
    // create's answer has no edges or labels: read the issue back whole.
    return this.one(created.id);
  }

  async comment(id: string, text: string): Promise<void> {
    await this.bd({ args: ['comments', 'add'], positional: [checkId(id), text], actor: this.o.actor ?? 'orch', readOnly: false });
  }
}
