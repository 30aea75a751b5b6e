import { defineConfig } from 'vitest/config';

// Opt-in profile: LOCALSTACK=1 npm run test:localstack (needs a reachable LocalStack).
export default defineConfig({
  test: {
    include: ['test/localstack/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
