// Mutation testing: `npm run mutate` (scripts/mutate.mjs runs Stryker with this on Node 22, with
// SHUTDOWN_HOOKS_MUTATE=1, which picks the tests in vitest.config.ts). Both the in-process tests
// and the real-process tests' children run the mutated src/ (test/support/mutation-setup.ts).
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Forks, not threads: the in-process tests of the real process need it to be a main thread.
  vitest: { configFile: 'vitest.config.ts', related: false, pool: 'forks' },
  coverageAnalysis: 'perTest',
  // This file is a plugin too: the `diagnostics` ignorer below.
  plugins: ['@stryker-mutator/*', './stryker.config.mjs'],
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
  // The run waits on timers and child processes more than it computes: on two cores, five
  // runners keep both busy, where two leave them three-quarters idle.
  concurrency: 5,
  // Stryker gives a mutant timeoutFactor × the time its tests took in the initial run (one runner,
  // alone) plus timeoutMS. Five runners on two cores run each test up to three times slower than
  // that: at the default factor (1.5) a surviving mutant whose tests spawn processes is reported
  // as timed out, which counts as detected.
  timeoutFactor: 3,
  timeoutMS: 10_000,
  thresholds: { high: 95, low: 90, break: null },
  // Reruns test only the mutants whose code or tests changed (reports/stryker-incremental.json).
  incremental: true,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

// The `diagnostics` ignorer: mutants inside the library's `debug` output are ignored, with this
// reason. What such a line says (and whether a `log.x.enabled` guard lets it run) is seen only
// with DEBUG set; the lines the docs promise are asserted by the real-process tests.
const REASON = 'Diagnostic output through debug (docs/testing.md: equivalent mutants)';

/** `log.core(...)`, `log.hooks(...)`: a call on the package's logger. */
function isLogCall(node) {
  return (
    node?.type === 'CallExpression' &&
    node.callee.type === 'MemberExpression' &&
    node.callee.object.type === 'Identifier' &&
    node.callee.object.name === 'log'
  );
}

/** `log.core.enabled` or `this.#verbose`: a test of whether diagnostics are on. */
function isDiagnosticsTest(node) {
  if (node?.type !== 'MemberExpression') return false;
  const { object, property } = node;
  if (property.type === 'PrivateName') return property.id.name === 'verbose';
  return (
    property.type === 'Identifier' &&
    property.name === 'enabled' &&
    object.type === 'MemberExpression' &&
    object.object.type === 'Identifier' &&
    object.object.name === 'log'
  );
}

/** The operands of `a && b && c`, or the expression itself. */
function conjuncts(node) {
  if (node.type === 'LogicalExpression' && node.operator === '&&') {
    return [...conjuncts(node.left), ...conjuncts(node.right)];
  }
  return [node];
}

/** A statement that does nothing but write diagnostics: `log.x(...)`, or an `if` or a block of such. */
function isLogOnly(node) {
  if (node?.type === 'ExpressionStatement') return isLogCall(node.expression);
  if (node?.type === 'IfStatement') return !node.alternate && isLogOnly(node.consequent);
  if (node?.type === 'BlockStatement') return node.body.length > 0 && node.body.every(isLogOnly);
  return false;
}

/**
 * `true` as a value in a table of option keys (`FOO_KEYS = optionKeys<Foo>({ a: true, ... })`):
 * only the keys are read, the value is there for the compiler, so `true` → `false` changes nothing.
 */
function isKeyTableValue(path) {
  if (path.node.type !== 'BooleanLiteral' || !path.parentPath?.isObjectProperty()) return false;
  if (path.parentPath.node.value !== path.node) return false;
  const declarator = path.findParent((p) => p.isVariableDeclarator());
  const name = declarator?.node.id.type === 'Identifier' ? declarator.node.id.name : '';
  return name.endsWith('_KEYS');
}
const KEY_TABLE =
  'A table of option keys: only its keys are read (docs/testing.md: equivalent mutants)';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'diagnostics', {
    shouldIgnore(path) {
      if (isKeyTableValue(path)) return KEY_TABLE;
      if (path.isCallExpression() && isLogCall(path.node)) return REASON;
      if (isLogOnly(path.node)) return REASON;
      // `(error) => log.x(...)`, `.catch((error) => { log.x(...); })`: a function that only logs.
      if (path.isArrowFunctionExpression()) {
        const { body } = path.node;
        if (isLogCall(body) || isLogOnly(body)) return REASON;
      }
      // `if (log.core.enabled && ...) { ... }`: the test and the diagnostics it guards.
      if (path.isIfStatement() && !path.node.alternate) {
        if (conjuncts(path.node.test).some(isDiagnosticsTest)) return REASON;
      }
      return undefined;
    },
  }),
];
