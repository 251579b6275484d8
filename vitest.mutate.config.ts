import { defineConfig } from 'vitest/config';

// The tests that run against each mutant: everything that imports src/ in this process.
export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts', 'test/http/**/*.test.ts', 'test/testing/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
