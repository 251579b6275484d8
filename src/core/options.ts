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

/** Options of `createShutdown()`. Every field is optional; see `DEFAULTS`. */
export interface ShutdownOptions {
  /**
   * Signals that start a shutdown. SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGKILL and SIGSTOP are
   * refused.
   * @default ['SIGTERM', 'SIGINT']
   */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * Signals that force an immediate exit (128 + n) when they repeat the one that started the
   * shutdown: a person pressing Ctrl-C again. A repeated SIGTERM does not force by default: what
   * sends it again is usually other code in the process re-raising it after its own cleanup
   * (NestJS's `enableShutdownHooks`, terminus), which must not cut the drain short.
   * @default ['SIGINT']
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
   * @default 8000 (25000 in a Kubernetes pod: `KUBERNETES_DEFAULTS`)
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
   * @default 0 (5000 in a Kubernetes pod: `KUBERNETES_DEFAULTS`)
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
});

/**
 * What changes when the process runs in a Kubernetes pod (`KUBERNETES_SERVICE_HOST` is set in
 * every pod): endpoints keep routing to a terminating pod for a second or more, so the process
 * keeps serving for 5 s (`delay`), and the budget grows to fit the default 30 s grace period
 * (25 s, plus the watchdog's 1 s, with margin). Options you pass always win; with a `timeout` of
 * your own, the default `delay` is at most a fifth of it.
 */
export const KUBERNETES_DEFAULTS = Object.freeze({
  delay: 5000,
  timeout: 25_000,
});

/** True in a Kubernetes pod: the kubelet sets `KUBERNETES_SERVICE_HOST` in every container. */
export function inKubernetes(): boolean {
  return Boolean(globalThis.process?.env?.KUBERNETES_SERVICE_HOST);
}

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
  const k8s = inKubernetes();
  const timeout = validateMs(
    orDefault(o.timeout, k8s ? KUBERNETES_DEFAULTS.timeout : DEFAULTS.timeout),
    'timeout',
  );
  // A shorter timeout of your own keeps the Kubernetes delay to a fifth of it.
  const delayDefault = k8s ? Math.min(KUBERNETES_DEFAULTS.delay, timeout / 5) : DEFAULTS.delay;
  const delay = validateMs(orDefault(o.delay, delayDefault), 'delay', { allowZero: true });
  if (delay >= timeout) {
    // The delay counts against the global budget: no hook would ever run.
    throw new TypeError(
      `Expected \`delay\` (${delay}) to be less than \`timeout\` (${timeout}): the delay is part of the global budget, so no hook would run. Raise \`timeout\` as well.`,
    );
  }
  return Object.freeze({
    signals: o.signals === undefined ? DEFAULTS.signals : validateSignals(o.signals),
    forceSignals:
      o.forceSignals === undefined
        ? DEFAULTS.forceSignals
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
