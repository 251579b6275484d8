import {
  PLATFORMS,
  type PlatformName,
  type PlatformProfile,
  timeoutFor,
  watchdogGraceFor,
} from './platform.js';
import {
  graceWarning,
  platformTimeout,
  resolvePlatform,
  withoutRepeated,
  withSignal,
} from './platform-options.js';
import { validateSignals } from './signals.js';
import type { ProcessLike } from './types.js';
import {
  describe,
  optionKeys,
  validateBoolean,
  validateFunction,
  validateMs,
  validateOptions,
} from './validate.js';
import { WATCHDOG_GRACE_MS } from './watchdog.js';

/** Options of `createShutdown()`. Every field is optional; see `DEFAULTS`. */
export interface ShutdownOptions {
  /**
   * Signals that start a shutdown. SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGKILL and SIGSTOP are
   * refused.
   * @default ['SIGTERM', 'SIGINT'], and the platform's stop signal (see `platform`)
   */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * Signals that force an immediate exit (128 + n) when they repeat the one that started the
   * shutdown: a person pressing Ctrl-C again. A repeated SIGTERM does not force by default: what
   * sends it again is usually other code in the process re-raising it after its own cleanup
   * (NestJS's `enableShutdownHooks`, terminus), which must not cut the drain short.
   * @default ['SIGINT'], except a signal the platform itself repeats (PM2's SIGINT)
   */
  readonly forceSignals?: readonly NodeJS.Signals[];
  /**
   * Signals after which a clean shutdown exits with 128 + n, the shell's convention (so that
   * `serve && deploy` stops after Ctrl-C), instead of 0.
   * @default [] (a clean shutdown exits 0, whatever the signal)
   */
  readonly signalExitCodes?: readonly NodeJS.Signals[];
  /**
   * Global budget in milliseconds for the whole sequence, `delay` included. When it passes,
   * remaining hooks are skipped and the exit code is 1. Fits inside `docker stop`'s 10 s.
   * @default 8000, or five sixths of the platform's grace period (25000 in a Kubernetes pod)
   */
  readonly timeout?: number;
  /**
   * Default per-hook timeout in milliseconds for hooks registered without their own.
   * @default undefined (a hook may use what is left of `timeout`)
   */
  readonly hookTimeout?: number | undefined;
  /**
   * Milliseconds to wait after the flag flips and readiness turns false, before the first hook
   * runs, so load balancers stop sending traffic. Part of `timeout`, so it must be less than it.
   * @default the platform's routing lag: 0, 5000 in a Kubernetes pod (at most a fifth of a
   * `timeout` of your own)
   */
  readonly delay?: number;
  /**
   * `true` ends the process with the report's exit code (after flushing stdout and stderr);
   * `false` never ends it; a function is called with the exit code instead.
   * @default true
   */
  readonly exit?: boolean | ((code: number) => void);
  /**
   * Shut down gracefully on `uncaughtException` and `unhandledRejection` (the error is still
   * printed to stderr the way Node prints it; the exit code is 1). `true` or `false` for both, or
   * one switch per event, for setups where other code (OpenTelemetry, an APM agent) owns one.
   * @default true
   */
  readonly handleErrors?:
    | boolean
    | { readonly uncaughtException?: boolean; readonly unhandledRejection?: boolean };
  /**
   * Run the hooks when the program ends on its own (the event loop empties), as Java does.
   * @default true
   */
  readonly naturalExit?: boolean;
  /**
   * Whether readiness probes say ready from the start. `false`: they answer 503 until the
   * application calls `setReady()` (or the promise given to it resolves), as after migrations.
   * @default true
   */
  readonly ready?: boolean;
  /**
   * Shut down gracefully when the IPC channel to the parent closes because the parent died (a
   * cluster worker whose primary is gone, a forked child whose parent is gone); reason
   * `'disconnect'`. Only where there is such a channel.
   * @default true
   */
  readonly disconnect?: boolean;
  /**
   * Shut down on the IPC message `'shutdown'`, which PM2 sends to stop an app where it cannot
   * send signals (Windows). Listening for messages keeps the IPC channel open.
   * @default false
   */
  readonly shutdownMessage?: boolean;
  /**
   * Longest wait in milliseconds for stdout and stderr to drain before exiting.
   * @default 500
   */
  readonly flushTimeout?: number;
  /**
   * Where the service runs, for the defaults you did not set (`timeout`, `delay`, the stop signal,
   * which repeated signal forces): `'auto'` finds it from the environment (`detectPlatform()`), a
   * name picks a row of `PLATFORMS`, `false` uses `DEFAULTS` alone. With an injected `process`
   * (a test's fake one), `'auto'` finds none.
   * @default 'auto'
   */
  readonly platform?: 'auto' | PlatformName | false;
  /**
   * The process to listen on. Pass `createFakeProcess()` in tests.
   * @default globalThis.process
   */
  readonly process?: ProcessLike;
}

/** The defaults, in one place; the README's table is checked against this object. */
export const DEFAULTS = Object.freeze({
  signals: Object.freeze(['SIGTERM', 'SIGINT']) as readonly NodeJS.Signals[],
  forceSignals: Object.freeze(['SIGINT']) as readonly NodeJS.Signals[],
  signalExitCodes: Object.freeze([]) as readonly NodeJS.Signals[],
  timeout: 8000,
  hookTimeout: undefined as number | undefined,
  delay: 0,
  exit: true as boolean | ((code: number) => void),
  handleErrors: true,
  naturalExit: true,
  ready: true,
  disconnect: true,
  shutdownMessage: false,
  flushTimeout: 500,
  platform: 'auto' as 'auto' | PlatformName | false,
});

const kubernetes = PLATFORMS.find((row) => row.name === 'kubernetes')!;

/**
 * What changes in a Kubernetes pod: the `kubernetes` row of `PLATFORMS` turned into the two
 * defaults it sets. Endpoints keep routing to a terminating pod for a second or more, so the
 * process keeps serving for 5 s (`delay`), and the budget fits the 30 s grace period.
 */
export const KUBERNETES_DEFAULTS = Object.freeze({
  delay: kubernetes.lagMs,
  timeout: timeoutFor(kubernetes.graceMs),
});

export interface ResolvedOptions {
  readonly signals: readonly NodeJS.Signals[];
  readonly forceSignals: readonly NodeJS.Signals[];
  readonly signalExitCodes: readonly NodeJS.Signals[];
  readonly timeout: number;
  readonly hookTimeout: number | undefined;
  readonly delay: number;
  readonly exit: boolean | ((code: number) => void);
  readonly handleErrors: {
    readonly uncaughtException: boolean;
    readonly unhandledRejection: boolean;
  };
  readonly naturalExit: boolean;
  readonly ready: boolean;
  readonly disconnect: boolean;
  readonly shutdownMessage: boolean;
  readonly flushTimeout: number;
  readonly process: ProcessLike;
  /** The platform whose defaults apply, or null. */
  readonly platform: PlatformProfile | null;
  /** How long past the global deadline the watchdog waits before it kills a blocked process. */
  readonly watchdogGrace: number;
  /** Set when a `timeout` of the user's cannot end before the platform's SIGKILL: what to say. */
  readonly graceWarning: string | undefined;
}

/** Every key of `ShutdownOptions`: any other is refused with a `TypeError` naming it. */
export const SHUTDOWN_OPTION_KEYS = optionKeys<ShutdownOptions>({
  signals: true,
  forceSignals: true,
  signalExitCodes: true,
  timeout: true,
  hookTimeout: true,
  delay: true,
  exit: true,
  handleErrors: true,
  naturalExit: true,
  ready: true,
  disconnect: true,
  shutdownMessage: true,
  flushTimeout: true,
  platform: true,
  process: true,
});

/** Validates and merges over `DEFAULTS` without touching the caller's object; `undefined` means "default". */
export function resolveOptions(input: unknown): ResolvedOptions {
  const o = validateOptions<ShutdownOptions>(input, 'options', SHUTDOWN_OPTION_KEYS);
  const exit = orDefault(o.exit, DEFAULTS.exit);
  if (typeof exit !== 'boolean') validateFunction(exit, 'exit');
  const proc = orDefault(o.process, globalThis.process);
  if (
    proc === null ||
    typeof proc !== 'object' ||
    typeof proc.on !== 'function' ||
    typeof proc.off !== 'function'
  ) {
    throw new TypeError(
      `Expected \`process\` to have on() and off() methods, got ${describe(proc)}`,
    );
  }
  const platform = resolvePlatform(orDefault(o.platform, DEFAULTS.platform), proc);
  const timeout = validateMs(
    orDefault(o.timeout, platform ? platformTimeout(platform, o.delay) : DEFAULTS.timeout),
    'timeout',
  );
  // A shorter timeout of your own keeps the platform's delay to a fifth of it.
  const delayDefault = platform ? Math.min(platform.lagMs, timeout / 5) : DEFAULTS.delay;
  const watchdogGrace = platform ? watchdogGraceFor(platform.graceMs) : WATCHDOG_GRACE_MS;
  const delay = validateMs(orDefault(o.delay, delayDefault), 'delay', { allowZero: true });
  if (delay >= timeout) {
    // The delay counts against the global budget: no hook would ever run.
    throw new TypeError(
      `Expected \`delay\` (${delay}) to be less than \`timeout\` (${timeout}): the delay is part of the global budget, so no hook would run. Raise \`timeout\` as well.`,
    );
  }
  return Object.freeze({
    signals:
      o.signals === undefined ? withSignal(DEFAULTS.signals, platform) : validateSignals(o.signals),
    forceSignals:
      o.forceSignals === undefined
        ? withoutRepeated(DEFAULTS.forceSignals, platform)
        : validateSignals(o.forceSignals, 'forceSignals'),
    signalExitCodes:
      o.signalExitCodes === undefined
        ? DEFAULTS.signalExitCodes
        : validateSignals(o.signalExitCodes, 'signalExitCodes'),
    timeout,
    hookTimeout:
      o.hookTimeout === undefined ? DEFAULTS.hookTimeout : validateMs(o.hookTimeout, 'hookTimeout'),
    delay,
    exit,
    handleErrors: resolveHandleErrors(orDefault(o.handleErrors, DEFAULTS.handleErrors)),
    naturalExit: validateBoolean(orDefault(o.naturalExit, DEFAULTS.naturalExit), 'naturalExit'),
    ready: validateBoolean(orDefault(o.ready, DEFAULTS.ready), 'ready'),
    disconnect: validateBoolean(orDefault(o.disconnect, DEFAULTS.disconnect), 'disconnect'),
    shutdownMessage: validateBoolean(
      orDefault(o.shutdownMessage, DEFAULTS.shutdownMessage),
      'shutdownMessage',
    ),
    flushTimeout: validateMs(orDefault(o.flushTimeout, DEFAULTS.flushTimeout), 'flushTimeout', {
      allowZero: true,
    }),
    process: proc,
    platform,
    watchdogGrace,
    graceWarning: graceWarning(
      platform,
      { timeout, delay, watchdogGrace },
      o.timeout !== undefined,
    ),
  });
}

const HANDLE_ERRORS_KEYS = Object.freeze(['uncaughtException', 'unhandledRejection']);

function resolveHandleErrors(value: unknown): ResolvedOptions['handleErrors'] {
  if (typeof value === 'boolean') return { uncaughtException: value, unhandledRejection: value };
  const o = validateOptions<{ uncaughtException?: boolean; unhandledRejection?: boolean }>(
    value,
    'handleErrors',
    HANDLE_ERRORS_KEYS,
  );
  const each = (key: 'uncaughtException' | 'unhandledRejection') =>
    o[key] === undefined ? DEFAULTS.handleErrors : validateBoolean(o[key], `handleErrors.${key}`);
  return {
    uncaughtException: each('uncaughtException'),
    unhandledRejection: each('unhandledRejection'),
  };
}

/** Only `undefined` means "use the default"; `null` and other values are validated as given. */
function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}
