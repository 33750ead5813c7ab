import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Page modules in unit tests read English messages, as an English page would embed them.
    setupFiles: ['test/support/page-messages.ts'],
    // Each file makes its own database and Redis prefix, so files run side by side; two workers
    // keep this 2-core machine (which also runs Postgres and Redis) responsive.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
