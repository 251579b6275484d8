import { defineConfig } from 'vitest/config';

// `npm run mutate` (scripts/mutate.mjs) sets SHUTDOWN_HOOKS_MUTATE=1: Stryker then runs, against
// each mutant, the tests that reach src/. The in-process layers import it directly; the
// real-process tests' children load it too (test/support/mutation-setup.ts). Left out there: the
// tests that install the built package elsewhere (NestJS 10, bundlers), and the cluster
// rehearsal, whose path (a worker whose parent goes) the supervise tests cover.
const mutating = process.env.SHUTDOWN_HOOKS_MUTATE === '1';

export default defineConfig({
  test: {
    include: mutating
      ? ['core', 'http', 'express', 'fastify', 'nestjs', 'testing', 'process'].map(
          (folder) => `test/${folder}/**/*.test.ts`,
        )
      : ['test/**/*.test.ts'],
    exclude: mutating
      ? [
          'test/nestjs/nest10.process.test.ts',
          'test/core/bundlers.process.test.ts',
          'test/process/cluster.process.test.ts',
        ]
      : [],
    setupFiles: [
      'test/support/no-platform.ts',
      ...(mutating ? ['test/support/mutation-setup.ts'] : []),
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real-process and real-server tests compete for two cores; keep parallelism modest.
    maxWorkers: 2,
  },
});
