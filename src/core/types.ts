/**
 * What started a shutdown: a signal name, `'manual'` for `shutdown()`, `'uncaughtException'`,
 * `'unhandledRejection'`, `'beforeExit'` when the event loop emptied, or a reason passed to
 * `shutdown({ reason })`.
 */
export type ShutdownReason =
  | NodeJS.Signals
  | 'manual'
  | 'uncaughtException'
  | 'unhandledRejection'
  | 'beforeExit'
  | (string & {});

/** `running` → `draining` (hooks running) → `stopped` (report ready). */
export type ShutdownState = 'running' | 'draining' | 'stopped';

/** What a hook receives. */
export interface HookContext {
  /** Aborts when this hook's time runs out or the shutdown is forced. Pass it to whatever you await. */
  readonly signal: AbortSignal;
  /** What started the shutdown. */
  readonly reason: ShutdownReason;
  /** Epoch milliseconds at which this hook's time runs out: its own timeout or the global deadline, whichever is earlier. */
  readonly deadline: number;
  /** Milliseconds left until `deadline` (never negative). */
  timeLeft(): number;
}

/** A cleanup step. May be sync or async; a throw or rejection is reported, never fatal to the others. */
export type Hook = (ctx: HookContext) => void | Promise<void>;

export interface HookOptions {
  /**
   * Higher runs first; equal priorities run concurrently. See `Priority` for named levels.
   * @default Priority.DEFAULT (100)
   */
  readonly priority?: number;
  /**
   * This hook's own deadline in milliseconds. When it passes, `ctx.signal` aborts, the hook is
   * reported as `timeout` and the shutdown moves on.
   * @default the instance's `hookTimeout`, else what is left of the global `timeout`
   */
  readonly timeout?: number;
}

export type HookStatus = 'ok' | 'error' | 'timeout' | 'skipped';

/** One hook's line in the report. */
export interface HookResult {
  readonly name: string;
  readonly priority: number;
  readonly status: HookStatus;
  /** Time from the hook's start to its end (0 when skipped). */
  readonly durationMs: number;
  /** Ms from the start of the shutdown to the hook's start; absent when it was skipped. */
  readonly startMs?: number;
  /** What it threw or rejected with, or the timeout/forced error that cut it off. */
  readonly error?: unknown;
}

/** What happened during a shutdown; resolved by `shutdown()` and sent with the `done` event. */
export interface ShutdownReport {
  readonly reason: ShutdownReason;
  /** The platform whose defaults applied (a row of `PLATFORMS`), or null. */
  readonly platform: string | null;
  /** The code the process exits (or would exit) with. */
  readonly exitCode: number;
  /** Epoch milliseconds at which the shutdown began. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** True when the global deadline cut the shutdown short. */
  readonly timedOut: boolean;
  /** Every hook of the snapshot, highest priority first, in registration order within a priority. */
  readonly hooks: readonly HookResult[];
  /** The uncaught error or unhandled rejection that started (or interrupted) the shutdown. */
  readonly error?: unknown;
  /**
   * When the global deadline cut the shutdown short: what still held the process open at that
   * moment, by kind (`process.getActiveResourcesInfo()`: `TCPSocketWrap`, `Timeout`, …) and count.
   * The hooks still running are those reported `timeout`.
   */
  readonly activeResources?: Readonly<Record<string, number>>;
}

// biome-ignore lint/suspicious/noExplicitAny: must accept Node's own `process.on` signature.
export type ProcessListener = (...args: any[]) => void;

/**
 * The part of `process` an instance uses: `on`/`off` for signals and error events, `pid` and
 * `kill` for tests. `createFakeProcess()` from `shutdown-hooks/testing` is one.
 */
export interface ProcessLike {
  on(event: string, listener: ProcessListener): unknown;
  off(event: string, listener: ProcessListener): unknown;
  readonly pid: number;
  kill?(pid: number, signal?: string | number): unknown;
  /** Where a crash is printed. Defaults to the real `process.stderr`. */
  readonly stderr?: { write(chunk: string): unknown };
  /** Read as the exit code asked for when the event loop empties on its own. */
  readonly exitCode?: number | string | null | undefined;
}

export interface TimeoutEvent {
  /** The hook cut off, or undefined when the global deadline passed between hooks or during `delay`. */
  readonly name: string | undefined;
  readonly timeout: number;
  /** True for the global deadline. */
  readonly global: boolean;
}

export interface ForceEvent {
  readonly signal: string;
  /** Hooks that were still running when the repeated signal arrived. */
  readonly running: readonly string[];
  readonly exitCode: number;
}

/** Typed events of a `Shutdown` instance. */
export interface ShutdownEvents {
  shutdown: (reason: ShutdownReason) => void;
  'hook:start': (hook: { readonly name: string; readonly priority: number }) => void;
  'hook:end': (result: HookResult) => void;
  timeout: (event: TimeoutEvent) => void;
  done: (report: ShutdownReport) => void;
  force: (event: ForceEvent) => void;
}
