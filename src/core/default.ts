import type { ShutdownOptions } from './options.js';
import { createShutdown, type Shutdown } from './shutdown.js';
import type { ManualShutdownOptions } from './trigger.js';
import type { Hook, HookOptions, ShutdownReport } from './types.js';
import { describe } from './validate.js';

// Keyed by major version: two copies of a compatible version in one process share one registry,
// one set of listeners and one order; an incompatible major keeps its own.
const KEY = Symbol.for('shutdown-hooks.default.v0');

type WithDefault = typeof globalThis & { [KEY]?: Shutdown };

/** The process-wide instance behind the module-level functions. Creating it adds no listener. */
export function getDefaultShutdown(): Shutdown {
  const holder = globalThis as WithDefault;
  holder[KEY] ??= createShutdown();
  return holder[KEY];
}

/**
 * The `shutdown` option of an adapter: the instance given, else the process-wide one. Anything
 * else is a `TypeError` naming the option.
 */
export function shutdownOption(given: unknown): Shutdown {
  const shutdown = given ?? getDefaultShutdown();
  if (typeof (shutdown as Partial<Shutdown>).onShutdown !== 'function') {
    throw new TypeError(
      `Expected \`shutdown\` to be a Shutdown instance, got ${describe(shutdown)}`,
    );
  }
  return shutdown as Shutdown;
}

/**
 * Puts `instance` behind the module-level functions and `shutdownSignal`, returning the one it
 * replaces. For `shutdown-hooks/testing`: a test of code that uses the module-level API swaps in
 * an instance on a fake process, then puts the real one back.
 */
export function setDefaultShutdown(instance: Shutdown): Shutdown {
  const previous = getDefaultShutdown();
  (globalThis as WithDefault)[KEY] = instance;
  shutdownSignal = instance.signal;
  return previous;
}

/**
 * Registers a cleanup hook on the process-wide registry — or a resource (`AsyncDisposable` or
 * `Disposable`), disposed as the hook. Returns its unregister function.
 *
 * @example
 * onShutdown('db', () => pool.end(), { priority: Priority.RESOURCE, timeout: 2000 });
 */
export function onShutdown(name: string, hook: Hook, options?: HookOptions): () => void;
export function onShutdown(
  name: string,
  resource: AsyncDisposable | Disposable,
  options?: HookOptions,
): () => void;
export function onShutdown(
  name: string,
  hookOrResource: Hook | AsyncDisposable | Disposable,
  options?: HookOptions,
): () => void {
  return getDefaultShutdown().onShutdown(name, hookOrResource as Hook, options);
}

/**
 * Sets options of the process-wide instance (its `timeout`, `delay`, `signals`, …) before
 * shutdown begins.
 *
 * @example
 * configureShutdown({ timeout: 25_000, delay: 5000 }); // Kubernetes: 30 s grace period
 */
export function configureShutdown(options: ShutdownOptions): void {
  getDefaultShutdown().configure(options);
}

/**
 * Says whether the application is ready to take traffic, for readiness probes (with the
 * `ready: false` option, they answer 503 until it is). Given a promise, ready when it resolves.
 *
 * @example
 * configureShutdown({ ready: false });
 * setReady(runMigrations());
 */
export function setReady(ready?: boolean | PromiseLike<unknown>): void {
  getDefaultShutdown().setReady(ready);
}

/** True once the process-wide shutdown has begun. */
export function isShuttingDown(): boolean {
  return getDefaultShutdown().isShuttingDown();
}

/**
 * Starts the process-wide shutdown by hand; resolves with the report. A second call returns the
 * same promise.
 */
export function shutdown(options?: ManualShutdownOptions): Promise<ShutdownReport> {
  return getDefaultShutdown().shutdown(options);
}

/**
 * Aborts the moment the process-wide shutdown begins. Its `reason` is a `ShutdownStartedError`
 * (named `'AbortError'`, with the `ShutdownReason` as its `reason`). Pass it to loops, fetches and
 * timers that should stop taking new work.
 *
 * @example
 * while (!shutdownSignal.aborted) await handle(await queue.next({ signal: shutdownSignal }));
 */
// A live binding: `replaceDefaultShutdown()` of `shutdown-hooks/testing` points it at the
// instance under test, and importers see the change.
export let shutdownSignal: AbortSignal = getDefaultShutdown().signal;
