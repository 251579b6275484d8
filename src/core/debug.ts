import type { Debugger } from 'debug';
import { builtin } from './builtin.js';
import { environment } from './environment.js';

/** A logger of one `debug` namespace, callable before `debug` itself is loaded. */
export interface Logger {
  (formatter: string, ...args: unknown[]): void;
  /** Whether `DEBUG` enables the namespace. */
  readonly enabled: boolean;
  /** Where output goes once `debug` is loaded; replaceable as with `debug` itself. */
  log: ((...args: unknown[]) => void) | undefined;
}

type CreateDebug = (namespace: string) => Debugger;

// `debug` is loaded only when DEBUG is set, with a dynamic import: bundlers and output tracers
// (esbuild, webpack, Next's) see it, importing this package costs nothing for it, and a `debug`
// that cannot load (left out of a bundle, or bundled where its own requires fail) leaves the
// lines to a plain writer instead of breaking the library. Until the import is done, lines wait;
// at exit, lines still waiting are written plainly.
let createDebug: CreateDebug | undefined;
let loading: Promise<void> | undefined;
let failed = false;
const waiting: { namespace: string; args: [string, ...unknown[]] }[] = [];
const instances = new Map<string, Debugger>();
const outputs = new Map<string, (...args: unknown[]) => void>();

/** The DEBUG variable; empty when unset or when reading it is refused (Deno without --allow-env). */
function debugVariable(): string {
  return environment.DEBUG ?? '';
}

/**
 * Whether `patterns` (DEBUG's syntax: `a:*,-a:b`) enable `namespace`: for lines `debug` cannot
 * take. The empty pattern that a separator at either end leaves matches no namespace.
 */
function matches(namespace: string, patterns: string): boolean {
  let enabled = false;
  for (const pattern of patterns.split(/[\s,]+/)) {
    const skip = pattern.startsWith('-');
    const body = (skip ? pattern.slice(1) : pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`^${body.replaceAll('*', '.*')}$`).test(namespace)) {
      if (skip) return false;
      enabled = true;
    }
  }
  return enabled;
}

/**
 * Starts loading `debug` when DEBUG is set; resolves once it is loaded (or found missing). The
 * process listeners call it at install, so that it is there by the time a shutdown speaks.
 */
export function loadDebug(): Promise<void> {
  if (loading) return loading;
  if (!debugVariable()) return Promise.resolve();
  loading = import('debug').then(
    (module) => {
      createDebug = (module.default ?? module) as CreateDebug;
      flushWaiting();
    },
    () => {
      failed = true;
      flushWaiting();
    },
  );
  return loading;
}

/** Writes the lines that still wait for `debug`, plainly and synchronously (at exit). */
export function flushWaiting(): void {
  for (const { namespace, args } of waiting.splice(0)) emit(namespace, args);
}

function instance(namespace: string): Debugger {
  let found = instances.get(namespace);
  if (!found) {
    found = createDebug!(namespace);
    const output = outputs.get(namespace);
    if (output) found.log = output;
    instances.set(namespace, found);
  }
  return found;
}

function emit(namespace: string, args: [string, ...unknown[]]): void {
  if (createDebug) {
    const d = instance(namespace);
    if (d.enabled) d(...args);
    return;
  }
  if (!matches(namespace, debugVariable())) return;
  const line = `${namespace} ${builtin('node:util').format(...args)}\n`;
  const write = outputs.get(namespace);
  if (write) write(line.trimEnd());
  else process.stderr.write(line);
}

function logger(namespace: string): Logger {
  const logger = ((...args: [string, ...unknown[]]) => {
    if (createDebug || failed) emit(namespace, args);
    else if (debugVariable()) {
      waiting.push({ namespace, args });
      void loadDebug();
    }
  }) as Logger;
  Object.defineProperties(logger, {
    enabled: {
      get: () => (createDebug ? instance(namespace).enabled : matches(namespace, debugVariable())),
    },
    log: {
      get: () => outputs.get(namespace),
      set: (fn: ((...args: unknown[]) => void) | undefined) => {
        if (fn) outputs.set(namespace, fn);
        else outputs.delete(namespace);
        const loaded = instances.get(namespace);
        if (loaded) {
          if (fn) loaded.log = fn;
          else delete (loaded as Partial<Debugger>).log;
        }
      },
    },
  });
  return logger;
}

/** One logger per area. Enable with `DEBUG=shutdown-hooks:*`. */
export const log = {
  core: logger('shutdown-hooks:core'),
  hooks: logger('shutdown-hooks:hooks'),
  signals: logger('shutdown-hooks:signals'),
  watchdog: logger('shutdown-hooks:watchdog'),
  http: logger('shutdown-hooks:http'),
};
