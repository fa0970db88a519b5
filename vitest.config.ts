import { defineConfig } from 'vitest/config';

// One `npm test` runs every package's and app's tests plus the cross-package tests in test/.
// The summary reporter prints the closing "N passed, N failed, N skipped" line CI reads.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
