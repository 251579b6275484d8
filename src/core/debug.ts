import { createRequire } from 'node:module';
import type { Debugger } from 'debug';

/** A `debug` logger that loads the `debug` package on its first call, not at import. */
export interface Logger {
  (formatter: string, ...args: unknown[]): void;
  /** Whether the namespace is enabled (loads `debug` to find out). */
  readonly enabled: boolean;
  /** Where output goes; replaceable as with `debug` itself. */
  log: (...args: unknown[]) => void;
}

// `debug` pulls in tty, net and stream and opens stderr when a logger is created: most of this
// package's import cost. Loading it on first use keeps `import 'shutdown-hooks'` cheap; the
// namespaces, DEBUG handling and output are debug's own.
const load = createRequire(import.meta.url);
let createDebug: ((namespace: string) => Debugger) | undefined;

const instances = new Map<string, Debugger>();

/** Loads `debug` and creates every area's logger at once, so later first uses cost nothing. */
function instance(namespace: string): Debugger {
  let found = instances.get(namespace);
  if (!found) {
    createDebug ??= load('debug') as (namespace: string) => Debugger;
    for (const area of AREAS)
      instances.set(`shutdown-hooks:${area}`, createDebug(`shutdown-hooks:${area}`));
    found = instances.get(namespace)!;
  }
  return found;
}

function lazy(namespace: string): Logger {
  let cached: Debugger | undefined;
  const get = (): Debugger => {
    cached ??= instance(namespace);
    return cached;
  };
  const logger = ((formatter: string, ...args: unknown[]) => {
    const d = get();
    if (d.enabled) d(formatter, ...args);
  }) as Logger;
  Object.defineProperties(logger, {
    enabled: { get: () => get().enabled },
    log: {
      get: () => get().log,
      set: (fn: (...args: unknown[]) => void) => {
        get().log = fn;
      },
    },
  });
  return logger;
}

const AREAS = ['core', 'hooks', 'signals', 'watchdog', 'http'] as const;

/** One logger per area, created once. Enable with `DEBUG=shutdown-hooks:*`. */
export const log = {
  core: lazy('shutdown-hooks:core'),
  hooks: lazy('shutdown-hooks:hooks'),
  signals: lazy('shutdown-hooks:signals'),
  watchdog: lazy('shutdown-hooks:watchdog'),
  http: lazy('shutdown-hooks:http'),
} satisfies Record<(typeof AREAS)[number], Logger>;
