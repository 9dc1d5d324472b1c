import { describe, expect, it } from 'vitest';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { GitConvoyStore } from '../../src/adapters/store/convoy-store.ts';
import { appendConvoy } from '../../src/core/convoy/runner.ts';
import { ulidIds } from '../../src/adapters/ids.ts';
import type { Convoy } from '../../src/schema/convoy.ts';
import { gitRepo } from '../support/repo.ts';

const clock = { now: () => new Date() };
const ids = ulidIds();

const convoy = (base: string): Convoy => ({
  schemaVersion: 1,
  id: 'cv_1',
  name: 'c',
  epicId: 'e',
  issues: ['A', 'B'],
  tracker: { kind: 'task-file', path: 'tasks.yaml' },
  agent: { name: 'command', command: 'true' },
  budget: null,
  base,
  integrationBranch: 'orch/cv_1/integration',
  maxAttempts: 2,
  maxRestarts: 1,
  staleMinutes: 20,
  sessionsPerAttempt: 1,
  requireReview: false,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  cancelled: false,
});

// A dispatcher reads the journal incrementally while workers (other processes: other store
// instances here) append to it; what it reads must equal a full read every time.
describe('convoy journal read incrementally', () => {
  it('sees the records others appended, a few (parent walk) or many (rev-list), in order', async () => {
    const repo = await openRepo(gitRepo({ 'a.txt': 'a\n' }));
    const dispatcher = new GitConvoyStore(repo, clock, ids);
    const worker = new GitConvoyStore(repo, clock, ids);
    const created = (await dispatcher.append(convoy('HEAD'), [{ type: 'convoy_created', issueId: '' }], null))!;
    let known = await appendConvoy(dispatcher, 'e', 'cv_1', [{ type: 'issue_claimed', issueId: 'A' }], undefined, created);
    expect((await dispatcher.events('e', 'cv_1')).map((e) => e.type)).toEqual(['convoy_created', 'issue_claimed']);

    const fresh = async (): Promise<string[]> => (await new GitConvoyStore(repo, clock, ids).events('e', 'cv_1')).map((e) => `${e.type}:${String(e.issueId)}`);
    for (const others of [1, 3, 40]) {
      for (let i = 0; i < others; i++) await appendConvoy(worker, 'e', 'cv_1', [{ type: 'worker_session', issueId: `S${i}` }]);
      expect((await dispatcher.events('e', 'cv_1')).map((e) => `${e.type}:${String(e.issueId)}`)).toEqual(await fresh());
      // The dispatcher's own append after theirs: its cache follows, still equal to a full read.
      known = await appendConvoy(dispatcher, 'e', 'cv_1', [{ type: 'issue_dispatched', issueId: 'B' }], undefined, known);
      expect((await dispatcher.events('e', 'cv_1')).map((e) => `${e.type}:${String(e.issueId)}`)).toEqual(await fresh());
    }
    expect(await fresh()).toHaveLength(2 + 1 + 3 + 40 + 3);
  });
});
