import { shutdownOption } from './default.js';
import { ShutdownInProgressError } from './errors.js';
import { Priority } from './priority.js';
import type { Shutdown } from './shutdown.js';
import {
  optionKeys,
  validateFunction,
  validateMs,
  validateName,
  validateNumber,
  validateOptions,
} from './validate.js';

export interface WorkTrackerOptions {
  /**
   * Name of the hook that waits for the work.
   * @default 'tracked work'
   */
  readonly name?: string;
  /**
   * Priority of that hook: the work is waited for before lower priorities run.
   * @default Priority.WORKER (200)
   */
  readonly priority?: number;
  /**
   * Ms the hook waits at most; then it is reported `timeout` and the shutdown moves on.
   * @default the instance's `hookTimeout`, else what is left of the global `timeout`
   */
  readonly timeout?: number;
  /**
   * The instance to register on.
   * @default the process-wide instance
   */
  readonly shutdown?: Shutdown;
}

/** Work in flight that a shutdown waits for: jobs, messages, streams. */
export interface WorkTracker {
  /** Tracks work already started; the returned promise settles as `work` does. */
  track<T>(work: PromiseLike<T>): Promise<T>;
  /**
   * Starts `fn` and tracks what it returns. Once shutdown has begun it takes no new work: it
   * throws `ShutdownInProgressError` without calling `fn`.
   */
  run<T>(fn: () => T | PromiseLike<T>): Promise<T>;
  /** How much work is in flight now. */
  readonly size: number;
  /** Resolves once nothing is in flight (at once if nothing is). */
  idle(): Promise<void>;
  /** Unregisters the hook; the work already tracked goes on. */
  close(): void;
}

const WORK_OPTION_KEYS = optionKeys<WorkTrackerOptions>({
  name: true,
  priority: true,
  timeout: true,
  shutdown: true,
});

/**
 * Tracks work in flight and registers a hook that waits for all of it, bounded by the hook's
 * deadline — instead of every service keeping its own set of promises (lightship's beacons,
 * tokio's `TaskTracker`).
 *
 * @example
 * const jobs = createWorkTracker();
 * queue.on('message', (m) => jobs.run(() => handle(m)).catch(report));
 */
export function createWorkTracker(options?: WorkTrackerOptions): WorkTracker {
  const o = validateOptions<WorkTrackerOptions>(options, 'options', WORK_OPTION_KEYS);
  const shutdown = shutdownOption(o.shutdown);
  const name = o.name === undefined ? 'tracked work' : validateName(o.name, 'name');
  const priority =
    o.priority === undefined ? Priority.WORKER : validateNumber(o.priority, 'priority');
  const timeout = o.timeout === undefined ? undefined : validateMs(o.timeout, 'timeout');
  const inFlight = new Set<PromiseLike<unknown>>();
  let waiters: (() => void)[] = [];

  const idle = () =>
    inFlight.size === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r));
  const track = <T>(work: PromiseLike<T>): Promise<T> => {
    const settled = Promise.resolve(work);
    inFlight.add(settled);
    const done = () => {
      inFlight.delete(settled);
      if (inFlight.size > 0) return;
      const wake = waiters;
      waiters = [];
      for (const resolve of wake) resolve();
    };
    settled.then(done, done);
    return settled;
  };
  const close = shutdown.onShutdown(
    name,
    (ctx) =>
      new Promise<void>((resolve) => {
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        void idle().then(resolve);
      }),
    timeout === undefined ? { priority } : { priority, timeout },
  );
  return {
    track,
    run<T>(fn: () => T | PromiseLike<T>): Promise<T> {
      validateFunction(fn, 'fn');
      if (shutdown.isShuttingDown()) {
        throw new ShutdownInProgressError(
          name,
          `No new work for "${name}": shutdown is in progress, and only the work already started is waited for.`,
        );
      }
      try {
        return track(Promise.resolve(fn()));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    get size() {
      return inFlight.size;
    },
    idle,
    close,
  };
}
