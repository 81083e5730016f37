import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    // Integration suites each start their own redis-server; two cores, so keep parallelism low.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
    // One build of the command line for the whole run (test/global-setup.ts).
    globalSetup: ['./test/global-setup.ts'],
  },
});
