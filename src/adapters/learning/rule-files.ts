import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OrchError } from '../../core/errors.ts';
import { mergeSection, type RuleEntry } from '../../core/learning/rule-section.ts';
import { LearningConfig } from '../../schema/learning.ts';
import { findConfigFile } from '../gates/config.ts';
import { git, gitText } from '../git/git.ts';
import { casRef, readRef } from '../git/objects.ts';
import type { RepoInfo } from '../git/repo.ts';
import { writeFileAtomic } from '../trackers/atomic-write.ts';

/** `learning:` of .orch/config.yaml (absent → defaults). */
export async function loadLearningConfig(top: string): Promise<LearningConfig> {
  const file = await findConfigFile(top);
  if (!file) return {};
  const root: unknown = parseYaml(await readFile(file, 'utf8'));
  const section = typeof root === 'object' && root !== null ? (root as Record<string, unknown>).learning : undefined;
  if (section === undefined || section === null) return {};
  const r = LearningConfig.safeParse(section);
  if (!r.success) throw new OrchError('config_invalid', `${file}: learning.${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? 'invalid'}`, { hint: 'fix the learning section of .orch/config.yaml' });
  return r.data;
}

function inside(top: string, rel: string): string {
  const abs = path.resolve(top, rel);
  const r = path.relative(top, abs);
  if (r === '' || r.startsWith('..') || path.isAbsolute(r)) throw new OrchError('config_invalid', `rule file ${JSON.stringify(rel)} is outside the repository`);
  return r.split(path.sep).join('/');
}

/** The rule files the project uses: configured ones, else CLAUDE.md / AGENTS.md / .claude/rules (orch's own file there). */
export function ruleTargets(top: string, cfg: LearningConfig): string[] {
  if (cfg.ruleFiles) return [...new Set(cfg.ruleFiles.map((f) => inside(top, f)))];
  const found = ['CLAUDE.md', 'AGENTS.md'].filter((f) => existsSync(path.join(top, f)));
  if (existsSync(path.join(top, '.claude', 'rules'))) found.push('.claude/rules/orch-learnings.md');
  return found.length > 0 ? found : ['CLAUDE.md'];
}

export interface FileChange {
  file: string;
  before: string;
  after: string;
  added: string[];
  created: boolean;
}

export interface ApplyResult {
  /** Every rule file targeted (changed or not). */
  targets: string[];
  changes: FileChange[];
  /** Unified diff of every change (what --dry-run prints). */
  diff: string;
  branch: string | null;
  commit: string | null;
  written: boolean;
}

/** `git diff --no-index` of old/new texts, labelled with the rule file's path. */
export async function unifiedDiff(changes: readonly FileChange[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orch-diff-'));
  try {
    let out = '';
    for (const c of changes) {
      await mkdir(path.dirname(path.join(dir, 'a', c.file)), { recursive: true });
      await mkdir(path.dirname(path.join(dir, 'b', c.file)), { recursive: true });
      await writeFile(path.join(dir, 'a', c.file), c.before);
      await writeFile(path.join(dir, 'b', c.file), c.after);
      const res = await git(dir, ['diff', '--no-index', '--no-color', '--no-prefix', `a/${c.file}`, `b/${c.file}`], { allowFail: true });
      out += res.stdout.toString('utf8');
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const readOnly = (abs: string): boolean => existsSync(abs) && (statSync(abs).mode & 0o222) === 0;

/** A read-only file stops everything before any write (root could write it, but the user said no). */
function refuseReadOnly(top: string, changes: readonly FileChange[]): void {
  const ro = changes.map((c) => c.file).filter((f) => readOnly(path.join(top, f)));
  if (ro.length > 0) {
    throw new OrchError('usage', `rule file ${ro.join(', ')} is read-only; nothing was written`, { hint: `make it writable (chmod u+w ${ro[0]}) or pick other files with learning.ruleFiles in .orch/config.yaml` });
  }
}

/** Merge entries into each file's text as the working tree has it. */
async function planWorktree(top: string, files: readonly string[], entries: readonly RuleEntry[]): Promise<FileChange[]> {
  return Promise.all(
    files.map(async (file) => {
      const abs = path.join(top, file);
      const created = !existsSync(abs);
      const before = created ? '' : await readFile(abs, 'utf8');
      const m = mergeSection(before, entries, file);
      return { file, before, after: m.text, added: m.added, created };
    }),
  );
}

/** Write all changed files or none: a failure part-way puts back what was already written. */
async function writeAll(top: string, changes: readonly FileChange[]): Promise<void> {
  const done: FileChange[] = [];
  try {
    for (const c of changes) {
      const abs = path.join(top, c.file);
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFileAtomic(abs, c.after);
      done.push(c);
    }
  } catch (e) {
    for (const c of done.reverse()) {
      const abs = path.join(top, c.file);
      await (c.created ? rm(abs, { force: true }) : writeFileAtomic(abs, c.before)).catch(() => undefined);
    }
    const failed = changes[done.length]?.file ?? 'a rule file';
    throw new OrchError('usage', `cannot write ${failed}: ${(e as Error).message}; nothing was changed`, { hint: 'check the file and directory permissions' });
  }
}

/** The same merge on HEAD's versions, committed on a new branch through a temporary index. */
async function commitOnBranch(repo: RepoInfo, files: readonly string[], entries: readonly RuleEntry[], branch: string, message: string): Promise<{ changes: FileChange[]; commit: string | null }> {
  const ok = await git(repo.top, ['check-ref-format', '--branch', branch], { allowFail: true });
  if (ok.code !== 0 || branch.startsWith('-')) throw new OrchError('usage', `invalid branch name ${JSON.stringify(branch)}`);
  const ref = `refs/heads/${branch}`;
  if (await readRef(repo, ref)) throw new OrchError('usage', `branch ${branch} already exists`, { hint: 'pick a new branch name' });
  const head = await readRef(repo, 'HEAD');
  if (!head) throw new OrchError('usage', 'the repository has no commits yet: --branch needs HEAD to start from');
  const changes: FileChange[] = [];
  for (const file of files) {
    const shown = await git(repo.top, ['cat-file', 'blob', `${head}:${file}`], { allowFail: true });
    const created = shown.code !== 0;
    const before = created ? '' : shown.stdout.toString('utf8');
    const m = mergeSection(before, entries, file);
    changes.push({ file, before, after: m.text, added: m.added, created });
  }
  const changed = changes.filter((c) => c.added.length > 0);
  if (changed.length === 0) return { changes, commit: null };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orch-idx-'));
  try {
    const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
    await git(repo.top, ['read-tree', head], { env });
    for (const c of changed) {
      const mode = (await gitText(repo.top, ['ls-tree', head, '--', c.file])).split(' ')[0] || '100644';
      const blob = (await gitText(repo.top, ['hash-object', '-w', '--stdin'], { input: c.after })).trim();
      await git(repo.top, ['update-index', '--add', '--cacheinfo', `${mode},${blob},${c.file}`], { env });
    }
    const tree = (await gitText(repo.top, ['write-tree'], { env })).trim();
    const commit = (await gitText(repo.top, ['commit-tree', tree, '-p', head], { input: message })).trim();
    if (!(await casRef(repo, ref, commit, null, `orch: ${message.split('\n')[0] ?? ''}`))) throw new OrchError('ref_conflict', `branch ${branch} was created by someone else meanwhile`);
    return { changes, commit };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ApplyRulesOptions {
  dryRun?: boolean;
  branch?: string | null;
  message: string;
}

/** Apply entries to the project's rule files: working tree (atomic, all or nothing), a new branch, or just the diff. */
export async function applyRuleEntries(repo: RepoInfo, entries: readonly RuleEntry[], o: ApplyRulesOptions): Promise<ApplyResult> {
  const files = ruleTargets(repo.top, await loadLearningConfig(repo.top));
  if (o.branch) {
    if (o.dryRun) {
      const plan = await planWorktree(repo.top, files, entries);
      const changes = plan.filter((c) => c.added.length > 0);
      return { targets: files, changes, diff: await unifiedDiff(changes), branch: o.branch, commit: null, written: false };
    }
    const { changes, commit } = await commitOnBranch(repo, files, entries, o.branch, o.message);
    const changed = changes.filter((c) => c.added.length > 0);
    return { targets: files, changes: changed, diff: await unifiedDiff(changed), branch: commit ? o.branch : null, commit, written: commit !== null };
  }
  const changes = (await planWorktree(repo.top, files, entries)).filter((c) => c.added.length > 0);
  const diff = await unifiedDiff(changes);
  if (!o.dryRun) refuseReadOnly(repo.top, changes);
  if (!o.dryRun && changes.length > 0) await writeAll(repo.top, changes);
  return { targets: files, changes, diff, branch: null, commit: null, written: !o.dryRun && changes.length > 0 };
}
