/** Stable machine-readable codes carried by every error this package throws or reports. */
export type ShutdownErrorCode =
  | 'ERR_SHUTDOWN_STARTED'
  | 'ERR_SHUTDOWN_IN_PROGRESS'
  | 'ERR_SHUTDOWN_HOOK_TIMEOUT'
  | 'ERR_SHUTDOWN_TIMEOUT'
  | 'ERR_SHUTDOWN_FORCED'
  | 'ERR_SHUTDOWN_HOOK_FAILED';

/**
 * Base class of every error from `shutdown-hooks`. Match on `code` rather than `instanceof` when
 * two copies of the package may be loaded.
 */
export class ShutdownError extends Error {
  readonly code: ShutdownErrorCode;

  constructor(code: ShutdownErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShutdownError';
    this.code = code;
  }
}

/**
 * The reason `shutdownSignal` (and a `Shutdown`'s `signal`) aborts with. Its `name` is
 * `'AbortError'`, so code that treats an abort as a normal end (`err.name === 'AbortError'`) does
 * so here too; `reason` says what started the shutdown.
 */
export class ShutdownStartedError extends ShutdownError {
  /** What started the shutdown: a signal name, `'manual'`, `'uncaughtException'`, … */
  readonly reason: string;

  constructor(reason: string) {
    super('ERR_SHUTDOWN_STARTED', `Shutdown started (${reason}); no new work is taken.`);
    this.name = 'AbortError';
    this.reason = reason;
  }
}

/**
 * Thrown by `onShutdown()` (and `configure()`) once a shutdown has begun: the hook list is already
 * fixed, as with the JVM's `addShutdownHook`.
 */
export class ShutdownInProgressError extends ShutdownError {
  /** The hook that could not be registered, or `configure()`. */
  readonly hookName: string;

  constructor(
    hookName: string,
    message = `Cannot register "${hookName}": shutdown is already in progress. Register hooks and options at startup.`,
  ) {
    super('ERR_SHUTDOWN_IN_PROGRESS', message);
    this.name = 'ShutdownInProgressError';
    this.hookName = hookName;
  }
}

const TIMEOUT_ADVICE = 'Make it honour ctx.signal, or raise its `timeout`.';

/** The reason a hook's `ctx.signal` aborts when the hook's own timeout runs out. */
export class HookTimeoutError extends ShutdownError {
  readonly hookName: string;
  readonly timeout: number;

  constructor(hookName: string, timeout: number, advice = TIMEOUT_ADVICE) {
    super(
      'ERR_SHUTDOWN_HOOK_TIMEOUT',
      `Hook "${hookName}" did not finish within ${timeout} ms. ${advice}`,
    );
    this.name = 'HookTimeoutError';
    this.hookName = hookName;
    this.timeout = timeout;
  }
}

/** The reason running hooks are aborted when the global `timeout` runs out. */
export class ShutdownTimeoutError extends ShutdownError {
  readonly timeout: number;

  constructor(timeout: number) {
    super(
      'ERR_SHUTDOWN_TIMEOUT',
      `Shutdown did not finish within the global timeout of ${timeout} ms; remaining hooks were skipped. Raise \`timeout\` or make slow hooks honour ctx.signal.`,
    );
    this.name = 'ShutdownTimeoutError';
    this.timeout = timeout;
  }
}

/** The reason running hooks are aborted when a repeated signal forces an immediate exit. */
export class ShutdownForcedError extends ShutdownError {
  readonly signal: string;
  readonly running: readonly string[];

  constructor(signal: string, running: readonly string[]) {
    const still =
      running.length > 0 ? `hooks still running: ${running.join(', ')}` : 'no hook was running';
    super('ERR_SHUTDOWN_FORCED', `Shutdown forced by a repeated ${signal}; ${still}.`);
    this.name = 'ShutdownForcedError';
    this.signal = signal;
    this.running = running;
  }
}

/** Wraps a value a hook threw or rejected with that is not an `Error`, so the report always holds one. */
export class HookFailedError extends ShutdownError {
  readonly hookName: string;

  constructor(hookName: string, cause: unknown) {
    super(
      'ERR_SHUTDOWN_HOOK_FAILED',
      `Hook "${hookName}" failed with a non-error value: ${String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'HookFailedError';
    this.hookName = hookName;
  }
}
