import { createRequire } from 'node:module';
import { listensTo } from '../core/signals.js';

// @nestjs/common is an optional peer: loaded only to warn.
const load = createRequire(import.meta.url);

/** What Nest's own `close()` runs: Nest's source marks its signal listener with this call. */
const NEST_SIGNAL_LISTENER = 'callBeforeShutdownHook';

/**
 * `app.enableShutdownHooks()`: on a signal, Nest closes every module at once (while requests are
 * still served), then re-raises the signal at its own process, which, for SIGINT, would force the
 * registry's shutdown to exit 130 mid-drain. On every signal the registry handles, the module
 * removes Nest's listener, now and whenever it is added later (after `app.listen()`, say), and
 * says so once through Nest's logger. Returns the undo.
 */
export function takeOverNestSignals(shutdown: object): () => void {
  const taken = new Set<string>();
  const take = (event: string | symbol, listener: unknown) => {
    // Any event is seen here: only a signal the registry handles, with Nest's listener, is taken.
    const signal = String(event);
    if (!listensTo(shutdown, signal) || !String(listener).includes(NEST_SIGNAL_LISTENER)) return;
    process.off(signal, listener as () => void);
    if (taken.has(signal)) return;
    taken.add(signal);
    queueMicrotask(() => warnTakenOver(signal));
  };
  for (const signal of SIGNALS_SEEN) {
    for (const listener of process.listeners(signal)) take(signal, listener);
  }
  // Node calls `newListener` before adding the listener: take it over once it is in place.
  const onNew = (event: string | symbol, listener: unknown) =>
    queueMicrotask(() => take(event, listener));
  process.on('newListener', onNew);
  return () => process.off('newListener', onNew);
}

const SIGNALS_SEEN = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const;

function warnTakenOver(signal: string): void {
  const { Logger } = load('@nestjs/common') as typeof import('@nestjs/common');
  new Logger('ShutdownHooksModule').warn(
    `app.enableShutdownHooks() is on as well: the module took ${signal} over from it. Nest's lifecycle runs once, after the last request, instead of at the signal while requests are still served. Remove enableShutdownHooks() for ${signal}: the module already handles it.`,
  );
}
