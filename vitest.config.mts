import { defineConfig } from 'vitest/config';

// Unit and construct tests are fast; integration tests start real processes
// (DynamoDB Local, the SSM emulator and its fleet, the local Step Functions
// runtime) on 127.0.0.1, so they get longer timeouts and run in forked workers.
export default defineConfig({
  test: {
    // Compiles dist/ first: the binary the tests spawn runs the compiled code.
    globalSetup: ['test/global-setup.ts'],
    include: ['test/unit/**/*.test.ts', 'test/constructs/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // The chaos runs measure availability at 10 Hz: they run after the rest, alone (vitest.chaos.config.mts),
    // so the suite's other workers do not starve the fleet they probe.
    exclude: ['test/integration/chaos/**', '**/node_modules/**'],
    pool: 'forks',
    // Three on the 2-core machine: the integration tests wait as much as they compute (leases, slowed steps, canary
    // watches, Lambda timeouts). With two workers the cores were 65 % busy (1,757 CPU-s in 1,346 s); with three,
    // after some tests had moved to the small cluster, 73 % (1,531 CPU-s in 1,041 s), every test passing. The
    // availability-measuring chaos runs stay alone (vitest.chaos.config.mts).
    maxWorkers: 3,
    // A hang guard, not a speed check: the same test ran 2.6× longer on one CI machine than here (a 24 s update
    // took 63 s), so a full update of 50 s must not hit it there.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
