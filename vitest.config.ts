import { defineConfig } from 'vitest/config';

// The engine suites start redis-server, several `orch worker` processes and convoy runners at
// once; they run as their own group after the rest, so the timing promises other tests check
// (a hook answers in < 2 s, reviewer timeouts) are not measured on a machine they overload.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real git, real processes, the real Claude Code binary: two cores, so keep forks modest.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['test/engine/**', 'node_modules/**', 'dist/**'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'engine', include: ['test/engine/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
