import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import type { BroadcastChannel as Channel } from 'node:worker_threads';
import { EventEmitter } from 'eventemitter3';
import { printCrash } from './crash.js';
import { log } from './debug.js';
import { ShutdownInProgressError, ShutdownStartedError } from './errors.js';
import { exitCodeOf, flushStdio, validateExitCode } from './exit.js';
import {
  type ResolvedOptions,
  resolveOptions,
  SHUTDOWN_OPTION_KEYS,
  type ShutdownOptions,
} from './options.js';
import { Priority } from './priority.js';
import { HOOK_TRAITS, type HookTraits, Registry } from './registry.js';
import { writeReportFile } from './report-file.js';
import { type Emit, isThenable, ShutdownRun } from './run.js';
import { registryListener, signalExitCode } from './signals.js';
import { currentThread, isThreadStop, threadChannelName } from './thread.js';
import type {
  Hook,
  HookOptions,
  ProcessListener,
  ShutdownEvents,
  ShutdownReason,
  ShutdownReport,
  ShutdownState,
} from './types.js';
import {
  describe,
  optionKeys,
  validateMs,
  validateName,
  validateNumber,
  validateOptions,
} from './validate.js';
import { preloadWatchdog, startWatchdog, type Watchdog } from './watchdog.js';

/** Options of a manual `shutdown()`. */
export interface ManualShutdownOptions {
  /** Recorded as the report's `reason`. @default 'manual' */
  readonly reason?: string;
  /** The exit code of a clean shutdown (a failed one exits 1 unless this is non-zero). @default 0 */
  readonly exitCode?: number;
}

const HOOK_OPTION_KEYS = optionKeys<HookOptions>({ priority: true, timeout: true });
const MANUAL_OPTION_KEYS = optionKeys<ManualShutdownOptions>({ reason: true, exitCode: true });

type Listener = ProcessListener;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * An isolated shutdown registry with its own listeners, flag, signal and report. The module-level
 * functions of `shutdown-hooks` act on one shared instance of this class.
 */
export class Shutdown extends EventEmitter<ShutdownEvents> {
  #input: ShutdownOptions;
  #options: ResolvedOptions;
  readonly #registry = new Registry();
  readonly #controller = new AbortController();
  readonly #listeners = new Map<string, Listener>();
  #state: ShutdownState = 'running';
  #installedByHand = false;
  #run: ShutdownRun | undefined;
  #done: Promise<ShutdownReport> | undefined;
  #watchdog: Watchdog | undefined;
  /** The uncaught error that started or interrupted the shutdown, if any. */
  #crash: { error: unknown } | undefined;
  #exiting = false;
  /** The signal that started the shutdown: only a repeat of it forces an exit. */
  #startSignal: NodeJS.Signals | undefined;
  /** In a worker thread: the channel `supervise()` stops this instance on. */
  #channel: Channel | undefined;
  /** Whether this instance runs in a worker thread (known once it listens). */
  #inThread = false;
  /** Set while the listeners of an emptied registry wait to be removed. */
  #unlistenTimer: ReturnType<typeof setImmediate> | undefined;
  /** The parent's pid when listening began: a parent that dies is replaced by another. */
  #ppid = 0;
  /** Whether the application said it is ready (the `ready` option until it does). */
  #ready: boolean;
  /** The promise passed to the latest `setReady()`: only it may still change readiness. */
  #readyWhen: PromiseLike<unknown> | undefined;

  constructor(options?: ShutdownOptions) {
    super();
    // Every loop, fetch and timer of the app may listen on this signal; many listeners are the
    // intended use, not a leak, so Node's "possible memory leak" warning would only mislead.
    setMaxListeners(0, this.#controller.signal);
    this.#options = resolveOptions(options);
    this.#input = { ...options };
    this.#ready = this.#options.ready;
  }

  /**
   * Changes options before shutdown begins, merged over the current ones (`undefined` keeps a
   * value). This is how the process-wide instance gets, say, a longer `timeout`.
   */
  configure(options: ShutdownOptions): this {
    const next = {
      ...this.#input,
      ...validateOptions<ShutdownOptions>(options, 'options', SHUTDOWN_OPTION_KEYS),
    };
    const resolved = resolveOptions(next);
    if (this.#state !== 'running') throw new ShutdownInProgressError('configure()');
    for (const entry of this.#registry.snapshot().flat()) {
      checkOwnDelay(entry.name, entry.traits, resolved.timeout);
    }
    const listening = this.#listeners.size > 0;
    this.#unlisten();
    this.#options = resolved;
    this.#input = next;
    if (listening) this.#listen();
    return this;
  }

  /** `'running'`, `'draining'` while hooks run, `'stopped'` once the report is ready. */
  get state(): ShutdownState {
    return this.#state;
  }

  /**
   * Aborts the moment shutdown begins. Its `reason` is a `ShutdownStartedError` (named
   * `'AbortError'`) whose `reason` property is the `ShutdownReason`.
   */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True from the moment shutdown begins. The Python `is_running` flag, inverted. */
  isShuttingDown(): boolean {
    return this.#state !== 'running';
  }

  /**
   * Whether readiness probes should say ready: the application is ready (see `setReady()` and
   * the `ready` option) and no shutdown has begun.
   */
  isReady(): boolean {
    return this.#ready && this.#state === 'running';
  }

  /**
   * Says whether the application is ready to take traffic. Given a promise (migrations done, a
   * cache warmed), it becomes ready when the promise resolves; a rejection keeps it unready and
   * is reported through `debug`. A later call wins over a promise still pending.
   */
  setReady(ready: boolean | PromiseLike<unknown> = true): this {
    if (typeof ready === 'boolean') {
      this.#readyWhen = undefined;
      this.#ready = ready;
      return this;
    }
    if (!isThenable(ready)) {
      throw new TypeError(
        `Expected \`ready\` to be a boolean or a promise, got ${describe(ready)}`,
      );
    }
    this.#readyWhen = ready;
    this.#ready = false;
    Promise.resolve(ready).then(
      () => {
        if (this.#readyWhen === ready) this.#ready = true;
      },
      (error: unknown) => {
        if (this.#readyWhen === ready)
          log.core('not ready: the readiness promise rejected: %O', error);
      },
    );
    return this;
  }

  /**
   * Registers a cleanup hook and installs the process listeners if this is the first one. The
   * hook may also be a resource: an `AsyncDisposable` or a `Disposable`, disposed as the hook.
   * Returns a function that unregisters it. Throws `ShutdownInProgressError` once shutdown began.
   */
  onShutdown(name: string, hook: Hook, options?: HookOptions): () => void;
  onShutdown(
    name: string,
    resource: AsyncDisposable | Disposable,
    options?: HookOptions,
  ): () => void;
  onShutdown(
    name: string,
    hookOrResource: Hook | AsyncDisposable | Disposable,
    options?: HookOptions,
  ): () => void {
    validateName(name, 'name');
    const hook = hookOf(hookOrResource);
    const o = validateOptions<HookOptions>(options, 'options', HOOK_OPTION_KEYS);
    const priority =
      o.priority === undefined ? Priority.DEFAULT : validateNumber(o.priority, 'priority');
    const timeout = o.timeout === undefined ? undefined : validateMs(o.timeout, 'timeout');
    const traits = (o as { [HOOK_TRAITS]?: HookTraits })[HOOK_TRAITS];
    checkOwnDelay(name, traits, this.#options.timeout);
    if (this.#state !== 'running') throw new ShutdownInProgressError(name);
    const remove = this.#registry.add(Object.freeze({ name, hook, priority, timeout, traits }));
    this.#listen();
    log.core('registered %s (priority %d)', name, priority);
    return () => {
      remove();
      // With no hook left, give the process back its default behaviour, unless asked to listen.
      if (this.#mayUnlisten()) this.#unlistenSoon();
    };
  }

  /** Starts a shutdown by hand. A second call returns the same promise. */
  shutdown(options?: ManualShutdownOptions): Promise<ShutdownReport> {
    const o = validateOptions<ManualShutdownOptions>(options, 'options', MANUAL_OPTION_KEYS);
    const reason = o.reason === undefined ? 'manual' : validateName(o.reason, 'reason');
    const exitCode = o.exitCode === undefined ? 0 : validateExitCode(o.exitCode);
    return this.#begin(reason, exitCode);
  }

  /** Adds the process listeners now, even with no hook registered. Idempotent. */
  install(): this {
    this.#installedByHand = true;
    this.#listen();
    return this;
  }

  /** Removes every listener this instance added. Idempotent. */
  uninstall(): this {
    this.#installedByHand = false;
    this.#unlisten();
    return this;
  }

  /** Removes the listeners and waits for a shutdown in progress, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.uninstall();
    await this.#done;
  }

  #emit: Emit = (event, ...args) => {
    try {
      (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      // A throwing listener is the application's bug: report it like an uncaught error rather
      // than letting it break the sequence or vanish.
      this.#onCrash('uncaughtException', error);
    }
  };

  #begin(reason: ShutdownReason, exitCode: number): Promise<ShutdownReport> {
    if (this.#done) return this.#done;
    this.#state = 'draining';
    this.#listen();
    this.#controller.abort(new ShutdownStartedError(reason));
    if (log.core.enabled) {
      log.core(
        'shutdown begins: %s; hooks: %s',
        reason,
        this.#registry.names().join(', ') || 'none',
      );
    }
    const { timeout, hookTimeout, delay, exit, process: proc } = this.#options;
    // The watchdog thread takes a few milliseconds to start: the run arms it only once the drains
    // have closed their listeners, and before anything that may block the event loop.
    // In a worker thread the watchdog would kill the whole process: the thread's supervisor
    // terminates it at its deadline instead.
    const arm = () => {
      if (exit === true && !this.#inThread)
        this.#watchdog ??= startWatchdog(run.deadline, timeout, proc.pid);
    };
    const run = new ShutdownRun(
      this.#registry.snapshot(),
      reason,
      { timeout, hookTimeout, delay, arm },
      this.#emit,
    );
    this.#run = run;
    this.#done = this.#finish(run, reason, exitCode);
    this.#emit('shutdown', reason);
    return this.#done;
  }

  async #finish(
    run: ShutdownRun,
    reason: ShutdownReason,
    requested: number,
  ): Promise<ShutdownReport> {
    // Let the `shutdown` event and the flag reach everyone before the first hook runs.
    await Promise.resolve();
    const outcome = await run.execute();
    this.#watchdog?.stop();
    const report: Mutable<ShutdownReport> = {
      reason,
      exitCode: exitCodeOf(outcome, requested, this.#crash !== undefined),
      startedAt: run.startedAt,
      durationMs: Date.now() - run.startedAt,
      timedOut: outcome.timedOut,
      hooks: outcome.hooks,
      ...(this.#crash ? { error: this.#crash.error } : {}),
      ...(outcome.timedOut && this.#options.process === globalThis.process
        ? { activeResources: activeResources() }
        : {}),
    };
    if (report.activeResources) {
      log.core('still open at the global deadline: %o', report.activeResources);
    }
    this.#state = 'stopped';
    // When this instance ends the process itself, its listeners stay until it does: a signal
    // arriving while stdout flushes would otherwise meet the default action and kill the process
    // (143) with its report unwritten. A signal now finds the shutdown stopped and does nothing.
    if (this.#options.exit !== true) this.#unlisten();
    log.core('shutdown done in %d ms, exit code %d', report.durationMs, report.exitCode);
    const crashed = this.#crash;
    this.#emit('done', report);
    if (this.#crash !== crashed) {
      // A `done` listener threw: a failure like any other listener's, so the exit code says so.
      report.error = this.#crash!.error;
      report.exitCode = exitCodeOf(outcome, requested, true);
    }
    // After the `done` listeners, which may have changed the exit code.
    if (this.#options.process === globalThis.process) writeReportFile(report);
    void this.#exit(report.exitCode, false);
    return report;
  }

  async #exit(code: number, immediate: boolean): Promise<void> {
    const { exit, flushTimeout } = this.#options;
    if (exit === false) return;
    if (typeof exit === 'function') {
      exit(code);
      return;
    }
    this.#exiting = true;
    if (!immediate) await flushStdio(flushTimeout);
    // An `exit` listener of the application that throws must end the process the way Node ends
    // it, not land in this instance's error listeners. The signal listeners stay: a signal that
    // arrives while the process exits must not meet the default action and kill it (143).
    this.#off('uncaughtException');
    this.#off('unhandledRejection');
    process.exit(code);
  }

  #onSignal(signal: NodeJS.Signals): void {
    if (this.#state === 'running') {
      log.signals('%s received; shutting down', signal);
      if (this.#options.process === globalThis.process && log.signals.enabled) {
        this.#reportOtherOwners(`when ${signal} arrived`);
      }
      this.#startSignal = signal;
      // 0 for a clean stop, unless this signal is to end with the shell's 128 + n.
      const clean = this.#options.signalExitCodes.includes(signal) ? signalExitCode(signal) : 0;
      void this.#begin(signal, clean);
      return;
    }
    if (this.#state !== 'draining' || !this.#run) return;
    if (signal !== this.#startSignal || !this.#options.forceSignals.includes(signal)) {
      // After a preStop or shutdown(), the orchestrator's signal is the expected next step; after
      // Ctrl-C, the SIGTERM a supervisor forwards to its whole tree is the same stop again; a
      // repeated SIGTERM is most often other code in this process re-raising it.
      log.signals(
        '%s received during a shutdown started by %s; carrying on',
        signal,
        this.#run.reason,
      );
      return;
    }
    const error = this.#run.force(signal);
    const exitCode = signalExitCode(signal);
    log.signals('%s received again; forcing exit %d. %s', signal, exitCode, error.message);
    this.#emit('force', { signal, running: error.running, exitCode });
    if (this.#options.exit === true) void this.#exit(exitCode, true);
  }

  #onCrash(kind: 'uncaughtException' | 'unhandledRejection', error: unknown): void {
    printCrash(this.#options.process.stderr ?? process.stderr, kind, error);
    this.#crash ??= { error };
    if (this.#state !== 'running')
      log.core('%s while shutting down; the exit code will be 1', kind);
    void this.#begin(kind, 1);
  }

  /**
   * Says through `debug` which other code listens to the same signals (NestJS, terminus, Apollo,
   * Prisma and the like): code that may re-raise the signal or call `process.exit()` itself.
   */
  #reportOtherOwners(when: string): void {
    for (const signal of this.#options.signals) {
      const ours = this.#listeners.get(signal);
      const others = process.listeners(signal).filter((listener) => listener !== ours);
      if (others.length === 0) continue;
      const names = others.map((listener) => listener.name || 'anonymous').join(', ');
      log.signals('%s: %d other %s listener(s): %s', when, others.length, signal, names);
    }
  }

  /** In a worker thread: `supervise()` on the main side posts the stop on this thread's channel. */
  #listenToSupervisor(threadId: number): void {
    const { BroadcastChannel } = globalThis as unknown as { BroadcastChannel: typeof Channel };
    const channel = new BroadcastChannel(threadChannelName(threadId));
    // Listening must not keep the thread alive.
    channel.unref();
    channel.onmessage = (event) => {
      const data = (event as { data?: unknown }).data;
      if (!isThreadStop(data) || this.#state !== 'running') return;
      log.core('stop received from the supervising thread (%s)', data.reason);
      void this.#begin(data.reason, 0);
    };
    this.#channel = channel;
  }

  /**
   * The IPC channel to the parent closed. If the parent died (a cluster primary, a forking
   * process), shut down; a parent that disconnected on purpose is left to its plan.
   */
  #onDisconnect(): void {
    if (this.#state !== 'running') return;
    const worker = clusterWorker();
    if (worker) {
      // The primary disconnects a worker on purpose only after telling it so; otherwise Node
      // exits the worker at once, unless it is marked as leaving on purpose: it is, gracefully.
      if (worker.exitedAfterDisconnect) return;
      worker.exitedAfterDisconnect = true;
      this.#parentGone();
      return;
    }
    // A dead parent's children are handed to another process, though possibly a moment after
    // the channel closed: look again a few times before deciding the parent is alive.
    const look = (left: number) => {
      if (this.#state !== 'running') return;
      if (process.ppid !== this.#ppid) this.#parentGone();
      else if (left > 0) setTimeout(() => look(left - 1), 20).unref();
      else log.core('the parent closed the IPC channel on purpose; carrying on');
    };
    look(5);
  }

  #parentGone(): void {
    log.core('the parent is gone (its IPC channel closed); shutting down');
    void this.#begin('disconnect', 0);
  }

  #onBeforeExit(): void {
    if (this.#state !== 'running' || this.#registry.size === 0) return;
    const code = Number(this.#options.process.exitCode ?? 0);
    log.core('event loop is empty; running hooks before the natural exit');
    void this.#begin('beforeExit', Number.isInteger(code) ? code : 0);
  }

  /** Says through `debug` which hooks a direct `process.exit()` kept from running or finishing. */
  #onExit(code: number): void {
    if (log.core.enabled && !this.#exiting && this.#state !== 'stopped') {
      const never =
        this.#state === 'running' ? this.#registry.names() : (this.#run?.pending() ?? []);
      const cut = this.#run?.running() ?? [];
      if (never.length + cut.length > 0) {
        log.core(
          'process.exit(%d) was called directly; async hooks cannot run. Never started: %s. Cut off while running: %s',
          code,
          never.join(', ') || 'none',
          cut.join(', ') || 'none',
        );
      }
    }
  }

  /**
   * Removes the listeners once the current turn of the event loop is over, if the registry is
   * still empty then. Code that registers and unregisters a hook per job or per connection would
   * otherwise add and remove every process listener (and its signal handler) each time.
   */
  #unlistenSoon(): void {
    if (this.#unlistenTimer) return;
    this.#unlistenTimer = setImmediate(() => {
      this.#unlistenTimer = undefined;
      if (this.#mayUnlisten()) this.#unlisten();
    });
  }

  /** Promise 1: an emptied registry gives the process back its default behaviour. */
  #mayUnlisten(): boolean {
    return this.#registry.size === 0 && !this.#installedByHand && this.#state === 'running';
  }

  #listen(): void {
    // A removal still pending finds the registry in use again and does nothing.
    if (this.#listeners.size > 0) return;
    const real = this.#options.process === globalThis.process;
    const thread = real ? currentThread() : undefined;
    this.#inThread = thread !== undefined;
    if (this.#options.exit === true && !thread) {
      preloadWatchdog();
      // Under Node's permission model without --allow-worker the watchdog cannot start.
      if (real && log.watchdog.enabled) {
        const { permission } = process as { permission?: { has(scope: string): boolean } };
        if (permission !== undefined && !permission.has('worker')) {
          log.watchdog(
            'the permission model forbids worker threads (no --allow-worker): no watchdog will hold the deadline if the event loop blocks',
          );
        }
      }
    }
    const add = (event: string, listener: Listener) => {
      this.#listeners.set(event, listener);
      this.#options.process.on(event, listener);
    };
    if (thread) this.#listenToSupervisor(thread.threadId);
    else {
      for (const signal of this.#options.signals) {
        add(
          signal,
          registryListener(() => this.#onSignal(signal), this),
        );
      }
    }
    if (real && !thread && log.signals.enabled) this.#reportOtherOwners('at install');
    if (real && this.#options.disconnect && process.channel) {
      this.#ppid = process.ppid;
      // First: a cluster worker's own listener exits the process at once.
      const listener = () => this.#onDisconnect();
      this.#listeners.set('disconnect', listener);
      process.prependListener('disconnect', listener);
    }
    if (real && this.#options.shutdownMessage) {
      add('message', (message: unknown) => {
        if (message === 'shutdown' && this.#state === 'running') void this.#begin('shutdown', 0);
      });
    }
    const { handleErrors } = this.#options;
    if (handleErrors.uncaughtException) {
      add('uncaughtException', (error: unknown) => this.#onCrash('uncaughtException', error));
    }
    if (handleErrors.unhandledRejection) {
      add('unhandledRejection', (reason: unknown) => this.#onCrash('unhandledRejection', reason));
    }
    if (this.#options.naturalExit) add('beforeExit', () => this.#onBeforeExit());
    add('exit', (code: number) => this.#onExit(code));
    log.core('listening on %s', [...this.#listeners.keys()].join(', '));
  }

  #off(event: string): void {
    const listener = this.#listeners.get(event);
    if (!listener) return;
    this.#options.process.off(event, listener);
    this.#listeners.delete(event);
  }

  #unlisten(): void {
    // A removal still pending is left to run: it looks again at whether the registry is empty.
    for (const event of [...this.#listeners.keys()]) this.#off(event);
    this.#channel?.close();
    this.#channel = undefined;
  }
}

/** A hook's own delay (a drain's) must leave it time inside the global budget, as the instance's must. */
function checkOwnDelay(name: string, traits: HookTraits | undefined, timeout: number): void {
  const delay = traits?.delay;
  if (delay === undefined || delay < timeout) return;
  throw new TypeError(
    `Expected \`delay\` (${delay}) of "${name}" to be less than the instance's \`timeout\` (${timeout}): the delay is part of the global budget, so "${name}" would never run. Raise \`timeout\` with configureShutdown().`,
  );
}

/** A hook as given, or the hook that disposes a resource. */
function hookOf(value: unknown): Hook {
  if (typeof value === 'function') return value as Hook;
  if (value !== null && typeof value === 'object') {
    const asyncDispose = (value as Partial<AsyncDisposable>)[Symbol.asyncDispose];
    if (typeof asyncDispose === 'function') return () => Promise.resolve(asyncDispose.call(value));
    const dispose = (value as Partial<Disposable>)[Symbol.dispose];
    if (typeof dispose === 'function') return () => void dispose.call(value);
  }
  throw new TypeError(
    `Expected \`hook\` to be a function, an AsyncDisposable or a Disposable, got ${describe(value)}`,
  );
}

/** What holds the process open now, by kind and count. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** This process's `cluster` worker, if it is one. */
function clusterWorker(): import('node:cluster').Worker | undefined {
  const cluster = createRequire(import.meta.url)(
    'node:cluster',
  ) as typeof import('node:cluster').default;
  return cluster.isWorker ? cluster.worker : undefined;
}

/** Creates an isolated instance: its own hooks, listeners, flag and report. */
export function createShutdown(options?: ShutdownOptions): Shutdown {
  return new Shutdown(options);
}
