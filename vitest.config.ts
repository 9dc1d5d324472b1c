import { defineConfig } from 'vitest/config';

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
    projects: [
      { extends: true, test: { name: 'core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [...HEAVY, 'node_modules/**', 'dist/**'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'heavy', include: HEAVY, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
