import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts redis-server and FerretDB once per run; see the file for what tests may inject.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    testTimeout: 20_000,
    // Connecting to the test services happens in hooks, and a first connection can be slow.
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
