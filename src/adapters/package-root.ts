import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = '@create-something/orchestration';

/**
 * This package's root, found by walking up from this module to our package.json: the same answer
 * from src/ (tests), dist/ (the library) and the bundled CLI, whose chunks sit at another depth.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`${NAME}: no package.json of ours above ${from}`);
  }
}

export const PACKAGE_ROOT: string = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The `orch` launcher, for starting orch children (workers, background runs, the witness). */
export const ORCH_BIN: string = path.join(PACKAGE_ROOT, 'bin', 'orch.js');
