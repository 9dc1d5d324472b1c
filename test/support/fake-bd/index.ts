import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fake `bd` script (plain JS, runs without a build). */
export const FAKE_BD_SCRIPT = fileURLToPath(new URL('./bd', import.meta.url));
/** The real Gas Town beads export (677 issues) in /work/shared/data. */
export const GASTOWN_EXPORT_DIR = '/work/shared/data/beads-gastown';

/** An issue record in the export / database shape (`issues.jsonl`); unknown keys are kept. */
export interface FakeIssueRecord {
  id: string;
  title: string;
  status: string;
  priority: number;
  issue_type: string;
  [key: string]: unknown;
}
export interface FakeDependency {
  issue_id: string;
  depends_on_id: string;
  type: string;
  [key: string]: unknown;
}
export interface FakeComment {
  id: number;
  issue_id: string;
  author: string;
  text: string;
  created_at: string;
}

/** Fail the `nth` (1-based) call of `command` (`update`, `comments add`, …) and the `times - 1` after it. */
export interface FakeFailure {
  command: string;
  nth?: number;
  times?: number;
  /** busy: the embedded-Dolt lock error (transient). error: a JSON error on stderr. text: a plain `Error: …` line. */
  kind: 'busy' | 'error' | 'text';
  message?: string;
  code?: string;
  exitCode?: number;
}

export interface FakeBdOptions {
  issues?: FakeIssueRecord[];
  dependencies?: FakeDependency[];
  labels?: { issue_id: string; label: string }[];
  comments?: FakeComment[];
  /** envelope: honours BD_JSON_ENVELOPE=1 like bd ≥ 1.0.5. legacy: an older bd that ignores it. */
  mode?: 'envelope' | 'legacy';
  failures?: FakeFailure[];
  prefix?: string;
  /** Each call holds the workspace lock this long (makes overlapping calls collide reliably). */
  delayMs?: number;
}

export interface FakeCall {
  argv: string[];
  cwd: string;
  command: string;
  envelopeEnv: string | null;
  beadsDirEnv: string | null;
  exitCode: number;
  overlap?: boolean;
  failure?: string;
}

export interface FakeState {
  issues: Record<string, FakeIssueRecord & Record<string, unknown>>;
  deps: FakeDependency[];
  labels: Record<string, string[]>;
  comments: FakeComment[];
  counters: Record<string, number>;
}

export interface FakeBd {
  workspace: string;
  binDir: string;
  /** process.env with the fake first on PATH and no stray BEADS_DIR. */
  env: NodeJS.ProcessEnv;
  calls(): FakeCall[];
  state(): FakeState;
  setFailures(failures: FakeFailure[]): void;
}

/** Fill the fields bd always has, in the export's shape (nulls, metadata as a JSON string). */
export function seedIssue(p: Partial<FakeIssueRecord> & { id: string }): FakeIssueRecord {
  const t = '2026-01-01T00:00:00Z';
  return {
    title: p.id, status: 'open', priority: 2, issue_type: 'task', description: '', acceptance_criteria: '', notes: '',
    assignee: null, created_at: t, updated_at: t, closed_at: null, close_reason: '', metadata: '{}', ephemeral: 0, pinned: 0,
    ...p,
  };
}

function readJsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

/** The real export, as seed material for the fake. */
export function loadBeadsExport(dir = GASTOWN_EXPORT_DIR): Required<Pick<FakeBdOptions, 'issues' | 'dependencies' | 'labels' | 'comments'>> {
  return {
    issues: readJsonl<FakeIssueRecord>(path.join(dir, 'issues.jsonl')),
    dependencies: readJsonl<FakeDependency>(path.join(dir, 'dependencies.jsonl')),
    labels: readJsonl<{ issue_id: string; label: string }>(path.join(dir, 'labels.jsonl')),
    comments: readJsonl<FakeComment>(path.join(dir, 'comments.jsonl')),
  };
}

/** Make `dir` a fake beads workspace and put `bd` on a PATH dir (`dir/.beads/bin`). */
export function installFakeBd(dir: string, opts: FakeBdOptions = {}): FakeBd {
  const beads = path.join(dir, '.beads');
  const binDir = path.join(beads, 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  fs.chmodSync(FAKE_BD_SCRIPT, 0o755);
  fs.rmSync(path.join(binDir, 'bd'), { force: true });
  // A symlink keeps the script's real path, so Node still resolves it inside this ESM package.
  fs.symlinkSync(FAKE_BD_SCRIPT, path.join(binDir, 'bd'));
  const labels: Record<string, string[]> = {};
  for (const l of opts.labels ?? []) (labels[l.issue_id] ??= []).push(l.label);
  const statePath = path.join(beads, 'fake-state.json');
  const state = {
    config: { mode: opts.mode ?? 'envelope', failures: opts.failures ?? [], delayMs: opts.delayMs ?? 0 },
    prefix: opts.prefix ?? 'bd',
    issues: Object.fromEntries((opts.issues ?? []).map((i) => [i.id, i])),
    deps: opts.dependencies ?? [],
    labels,
    comments: opts.comments ?? [],
    counters: {},
  };
  fs.writeFileSync(statePath, JSON.stringify(state));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['BEADS_DIR'];
  const readState = (): FakeState & { config: Record<string, unknown> } => JSON.parse(fs.readFileSync(statePath, 'utf8')) as FakeState & { config: Record<string, unknown> };
  return {
    workspace: dir,
    binDir,
    env: { ...env, PATH: `${binDir}${path.delimiter}${process.env['PATH'] ?? ''}` },
    calls: () => readJsonl<FakeCall>(path.join(beads, 'fake-calls.jsonl')),
    state: readState,
    setFailures(failures) {
      const s = readState();
      s.config = { ...s.config, failures };
      s.counters = {};
      fs.writeFileSync(statePath, JSON.stringify(s));
    },
  };
}
