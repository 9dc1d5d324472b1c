/** Where Claude Code keeps transcripts: `<config dir>/projects/<encoded-cwd>/**\/*.jsonl`. */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export interface TranscriptFile {
  path: string;
  /** The `projects/` directory it was found under. */
  projectsDir: string;
  /** First directory below `projects/` (the encoded cwd), or `unknown` for a file directly inside it. */
  project: string;
  /** File name without `.jsonl`: the session id for top-level transcripts. */
  sessionId: string;
}

/**
 * Candidate `projects/` directories, in ccusage's order: each entry of a comma-separated
 * `CLAUDE_CONFIG_DIR` (a config dir, or its `projects/` itself), else `$XDG_CONFIG_HOME/claude` (default
 * `~/.config/claude`) and `~/.claude`. Existence is checked by `findTranscripts`.
 */
export function claudeProjectDirs(env: Readonly<Record<string, string | undefined>>, home: string): string[] {
  const configured = (env.CLAUDE_CONFIG_DIR ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const roots =
    configured.length > 0
      ? configured
      : [path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'claude'), path.join(home, '.claude')];
  return roots.map((r) => (path.basename(r) === 'projects' ? r : path.join(r, 'projects')));
}

const isDir = async (p: string): Promise<boolean> => {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
};

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // vanished or unreadable: a transcript dir is not ours to fail on
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    // Symlinked dirs are not followed, so a link loop cannot hang the scan.
    if (e.isDirectory()) await walk(p, out);
    else if ((e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.jsonl')) out.push(p);
  }
}

/** All `*.jsonl` below the given `projects/` dirs (missing dirs skipped, the same dir twice scanned once),
 * sorted by path so every run sees the same order. */
export async function findTranscripts(projectsDirs: readonly string[]): Promise<TranscriptFile[]> {
  const seen = new Set<string>();
  const files: TranscriptFile[] = [];
  for (const dir of projectsDirs) {
    if (!(await isDir(dir))) continue;
    const real = await realpath(dir);
    if (seen.has(real)) continue;
    seen.add(real);
    const found: string[] = [];
    await walk(dir, found);
    for (const f of found.sort()) {
      const rel = path.relative(dir, f).split(path.sep);
      files.push({
        path: f,
        projectsDir: dir,
        project: rel.length > 1 ? (rel[0] ?? 'unknown') : 'unknown',
        sessionId: path.basename(f, '.jsonl'),
      });
    }
  }
  return files;
}
