import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The 200-kill crash test is one ~3-minute test; started last (a fresh clone has no timings to
// sort by, so vitest runs larger files first), it kept one fork busy ~50 s after the other had
// finished every other file. It starts first instead (fresh-clone CI: the core suites ended at
// 360 s instead of 371 s; the crash test itself is slower beside the heavier early files).
const LONGEST = ['test/durability/crash.test.ts'];
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => (LONGEST.some((l) => f.moduleId.endsWith(l)) ? 0 : 1);
    return (await super.sort(files)).sort((a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b));
  }
}

// Suites that start many processes at once (redis-server, several `orch worker`s, three real
// Claude Code workers) run after the rest, one file at a time, so the timing promises other tests
// check (a hook answers in < 2 s, reviewer timeouts, witness thresholds) are not measured on a
// machine they overload.
const HEAVY = ['test/engine/**/*.test.ts', 'test/e2e/convoy-claude-mixed.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real git, real processes, the real Claude Code binary: two cores, so keep forks modest.
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: 'core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [...HEAVY, 'node_modules/**', 'dist/**'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'heavy', include: HEAVY, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
