import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real git, real processes, the real Claude Code binary: two cores, so keep forks modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
