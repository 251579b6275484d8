import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// `npm run mutate` (scripts/mutate.mjs) sets SHUTDOWN_HOOKS_MUTATE=1: Stryker then runs, against
// each mutant, the tests that reach src/. The in-process layers import it directly; the
// real-process tests' children load it too (test/support/mutation-setup.ts). Left out there: the
// tests that install the built package elsewhere (NestJS 10, bundlers), and the cluster
// rehearsal, whose path (a worker whose parent goes) the supervise tests cover.
const mutating = process.env.SHUTDOWN_HOOKS_MUTATE === '1';

/**
 * Under `npm run mutate`, the in-process test files before the real-process ones. Stryker stops a
 * mutant's run at its first failing test, and vitest's own order runs the slowest files first: the
 * real-process files, which take seconds each, where most mutants fail an in-process test in
 * milliseconds.
 */
class InProcessFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const real = (file: TestSpecification) => file.moduleId.endsWith('.process.test.ts');
    return [...sorted.filter((file) => !real(file)), ...sorted.filter(real)];
  }
}

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
    ...(mutating ? { sequence: { sequencer: InProcessFirst } } : {}),
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
