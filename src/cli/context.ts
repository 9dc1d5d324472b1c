import path from 'node:path';
import { openGitDeps } from '../adapters/open.ts';
import type { CommonOptions } from './io.ts';

/** Resolve --cwd and open the repository's store. */
export async function openFromOptions(opts: CommonOptions): Promise<Awaited<ReturnType<typeof openGitDeps>>> {
  return openGitDeps(path.resolve(opts.cwd ?? process.cwd()));
}
