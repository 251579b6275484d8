// A Stryker ignorer: mutants inside the library's `debug` output are ignored, with this reason.
// What such a line says (and whether a `log.x.enabled` guard lets it run) is seen only with DEBUG
// set; the lines the docs promise are asserted by the real-process tests on the built package.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

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

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'diagnostics', {
    shouldIgnore(path) {
      if (path.isCallExpression() && isLogCall(path.node)) return REASON;
      if (isLogOnly(path.node)) return REASON;
      // `if (log.core.enabled && ...) { ... }`: the test and the diagnostics it guards.
      if (path.isIfStatement() && !path.node.alternate) {
        if (conjuncts(path.node.test).some(isDiagnosticsTest)) return REASON;
      }
      return undefined;
    },
  }),
];
