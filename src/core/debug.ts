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

function lazy(namespace: string): Logger {
  let instance: Debugger | undefined;
  const get = (): Debugger => {
    createDebug ??= load('debug') as (namespace: string) => Debugger;
    instance ??= createDebug(namespace);
    return instance;
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

/** One logger per area, created once. Enable with `DEBUG=shutdown-hooks:*`. */
export const log = {
  core: lazy('shutdown-hooks:core'),
  hooks: lazy('shutdown-hooks:hooks'),
  signals: lazy('shutdown-hooks:signals'),
  watchdog: lazy('shutdown-hooks:watchdog'),
  http: lazy('shutdown-hooks:http'),
} as const;
