import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { OrchError } from '../../core/errors.ts';

/** The version orch is tested against; install hint for when no binary is found. */
export const CLAUDE_CODE_VERSION = '2.1.197';
export const CLAUDE_INSTALL_HINT = `npm install @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`;

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The `claude` bin of the @anthropic-ai/claude-code package resolvable from orch itself. */
function packagedBin(): string | null {
  try {
    const pkgJson = createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json');
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { bin?: string | Record<string, string> };
    const rel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.claude;
    if (rel === undefined) return null;
    const p = join(dirname(pkgJson), rel);
    return executable(p) ? p : null;
  } catch {
    return null;
  }
}

function onPath(env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, 'claude');
    if (executable(p)) return p;
  }
  return null;
}

/**
 * Which `claude` to run: explicit override (config, then ORCH_CLAUDE_BIN), the package's own
 * dependency, then PATH. An override that does not exist is an error, not a silent fallback.
 */
export function resolveClaudeBin(env: NodeJS.ProcessEnv, override?: string): string {
  const explicit = override ?? env.ORCH_CLAUDE_BIN;
  if (explicit !== undefined && explicit !== '') {
    if (executable(explicit)) return explicit;
    throw new OrchError('agent_missing', `Claude Code binary not found or not executable: ${explicit}`, {
      hint: `fix ORCH_CLAUDE_BIN / the configured path, or ${CLAUDE_INSTALL_HINT}`,
    });
  }
  const found = packagedBin() ?? onPath(env);
  if (found !== null) return found;
  throw new OrchError('agent_missing', 'Claude Code (`claude`) is not installed', { hint: CLAUDE_INSTALL_HINT });
}
