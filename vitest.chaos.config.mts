import { defineConfig } from 'vitest/config';

// The short fixed-seed chaos run of issue #14 (`npm test` runs it after the rest of the suite; `npm run chaos`
// runs the long campaign). Alone on the machine: its availability observer probes every replica at 10 Hz, and
// a machine starved by other test workers would measure the machine, not the workflow.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/integration/chaos/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 900_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
