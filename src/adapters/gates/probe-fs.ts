import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FileProbe } from '../../core/gates/detect.ts';

const MAX_PROBE_BYTES = 1 << 20; // manifests are small; refuse to slurp a huge file by mistake

/** A FileProbe over a directory on disk. */
export function fsProbe(root: string): FileProbe {
  const require = createRequire(join(root, 'package.json'));
  return {
    read(path) {
      const full = join(root, path);
      try {
        if (!statSync(full).isFile() || statSync(full).size > MAX_PROBE_BYTES) return undefined;
        return readFileSync(full, 'utf8');
      } catch {
        return undefined;
      }
    },
    exists: (path) => existsSync(join(root, path)),
    resolves(specifier) {
      try {
        require.resolve(specifier);
        return true;
      } catch {
        return false;
      }
    },
  };
}
