import { syncNamespace } from '../../adapters/git/sync.ts';
import { openFromOptions } from '../context.ts';
import { output, usageError, type CommonOptions } from '../io.ts';

export async function run(o: CommonOptions & { pushOnly?: boolean; fetchOnly?: boolean }, [remote = 'origin']: string[]): Promise<number> {
  if (o.pushOnly && o.fetchOnly) throw usageError('--push-only and --fetch-only exclude each other');
  const { repo } = await openFromOptions(o);
  const r = await syncNamespace(repo, remote, { push: !o.fetchOnly, fetch: !o.pushOnly });
  output(o, r, (d) =>
    [
      `sync with ${d.remote}: ${d.fetched.length} ref(s) fetched, ${d.pushed.length} pushed`,
      ...d.rejected.map((ref) => `not a fast-forward, left alone: ${ref} (both sides wrote to it, or this side is ahead: push it)`),
    ].join('\n'),
  );
  return r.rejected.length > 0 ? 1 : 0;
}
