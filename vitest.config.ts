import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real-process and real-server tests compete for two cores; keep parallelism modest.
    maxWorkers: 2,
  },
});
