import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the service as separate processes over a PostgreSQL and a Redis of the
// run's own (test/chaos/services.ts), so it needs neither the test template nor the shared servers
// to stay up. One file at a time: each starts a whole fleet.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
