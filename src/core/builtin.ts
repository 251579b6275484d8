import { createRequire } from 'node:module';

/** The Node built-ins this package loads on first use, by name. */
interface Builtins {
  'node:cluster': typeof import('node:cluster').default;
  'node:fs': typeof import('node:fs');
  'node:https': typeof import('node:https');
  'node:util': typeof import('node:util');
  'node:worker_threads': typeof import('node:worker_threads');
}

const load = createRequire(import.meta.url);
/** Node 20.16 and later, Bun and Deno: a built-in by name, whatever bundled this code. */
const getBuiltinModule = (
  globalThis.process as { getBuiltinModule?: (name: string) => unknown } | undefined
)?.getBuiltinModule;

/**
 * A Node built-in, loaded when first needed rather than at import. An ESM import of `node:fs`,
 * `node:util` or `node:worker_threads` builds the whole namespace (streams, `inspect`, MIME
 * parsing): most of what importing this package would otherwise cost, for a crash, a report file
 * or a thread that most processes never see.
 */
export function builtin<Name extends keyof Builtins>(name: Name): Builtins[Name] {
  // A bundler (Next's Turbopack) replaces a require of a name it cannot see with a stub that
  // throws; process.getBuiltinModule is out of its reach. The require is for older Node 20s.
  return (getBuiltinModule?.call(process, name) ?? load(name)) as Builtins[Name];
}
