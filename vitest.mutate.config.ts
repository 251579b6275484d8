import { defineConfig } from 'vitest/config';

// The tests that run against each mutant: the in-process layers, which import src/ directly, and
// the real-process tests, whose children load src/ too (test/support/mutation-setup.ts). Left
// out: the tests of the packed package and of NestJS 10, which install dist/ elsewhere, and the
// cluster rehearsal, whose path (a worker whose parent goes) the supervise tests cover.
export default defineConfig({
  test: {
    include: [
      'test/core/**/*.test.ts',
      'test/http/**/*.test.ts',
      'test/express/**/*.test.ts',
      'test/fastify/**/*.test.ts',
      'test/nestjs/**/*.test.ts',
      'test/testing/**/*.test.ts',
      'test/process/**/*.test.ts',
    ],
    exclude: ['test/nestjs/nest10.process.test.ts', 'test/process/cluster.process.test.ts'],
    setupFiles: ['test/support/mutation-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
