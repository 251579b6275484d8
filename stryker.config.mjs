// Mutation testing: `npm run mutate` (scripts/mutate.mjs runs this on Node 22).
// The fast layer runs against each mutant: the in-process tests import src/ directly. The
// real-process tests run the built dist/ in children, which a mutant of src/ never reaches.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Forks, not threads: the in-process tests of the real process need it to be a main thread.
  vitest: { configFile: 'vitest.mutate.config.ts', related: false, pool: 'forks' },
  coverageAnalysis: 'perTest',
  plugins: ['@stryker-mutator/*', './stryker/ignore-diagnostics.mjs'],
  ignorers: ['diagnostics'],
  mutate: [
    'src/core/**/*.ts',
    'src/http/**/*.ts',
    'src/express/**/*.ts',
    'src/fastify/**/*.ts',
    'src/nestjs/**/*.ts',
  ],
  // The tests that load the package the way users do (two copies of it, the entry points) need
  // dist/: built in the sandbox, so `npm run mutate` works from a fresh clone after `npm ci`.
  buildCommand: 'npx tsup --silent',
  reporters: ['json', 'html', 'clear-text', 'progress'],
  concurrency: 2,
  timeoutMS: 10_000,
  thresholds: { high: 95, low: 90, break: null },
  // Reruns test only the mutants whose code or tests changed (reports/stryker-incremental.json).
  incremental: true,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
