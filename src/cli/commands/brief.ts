import { openBriefTracker } from '../../adapters/brief/tracker-config.ts';
import { gitHistory } from '../../adapters/git/history.ts';
import { buildResumeBrief } from '../../core/brief/build.ts';
import { DEFAULT_BRIEF_BYTES } from '../../core/brief/render.ts';
import { openFromOptions } from '../context.ts';
import { output, usageError, type CommonOptions } from '../io.ts';

interface Opts extends CommonOptions {
  epic: string;
  maxBytes?: string;
}

/** Below this a brief cannot hold its own header. */
export const MIN_BRIEF_BYTES = 256;

function parseMaxBytes(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_BRIEF_BYTES;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < MIN_BRIEF_BYTES) throw usageError(`invalid --max-bytes ${JSON.stringify(raw)}`, `give a whole number of bytes, at least ${MIN_BRIEF_BYTES}`);
  return n;
}

export async function run(o: Opts): Promise<number> {
  const maxBytes = parseMaxBytes(o.maxBytes);
  const { deps, repo } = await openFromOptions(o);
  // A bad `tracker:` section is a config error (exit 2); a tracker that fails to answer is said in the brief.
  const tracker = await openBriefTracker(repo.top);
  const r = await buildResumeBrief(deps, gitHistory(repo.top), o.epic, { maxBytes, ...tracker });
  output(o, r, (d) => d.markdown);
  return 0;
}
