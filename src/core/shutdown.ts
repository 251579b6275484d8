import { setMaxListeners } from 'node:events';
import { EventEmitter } from 'eventemitter3';
import { printCrash } from './crash.js';
import { log } from './debug.js';
import { ShutdownInProgressError, ShutdownStartedError } from './errors.js';
import { endProcess } from './exit.js';
import { ProcessListeners } from './listeners.js';
import type { ResolvedOptions, ShutdownOptions } from './options.js';
import { Readiness } from './readiness.js';
import { createEntry, Registry } from './registry.js';
import { buildReport, reportDirectExit } from './report.js';
import { writeReportFile } from './report-file.js';
import type { Emit } from './result.js';
import { ShutdownRun } from './run.js';
import { Settings } from './settings.js';
import { repeatForces, signalExitCode } from './signals.js';
import { exitCodeOf, type ManualShutdownOptions, type Trigger, trigger } from './trigger.js';
import type { Hook, HookOptions, ShutdownEvents, ShutdownReport, ShutdownState } from './types.js';

/**
 * An isolated shutdown registry with its own listeners, flag, signal and report. The module-level
 * functions of `shutdown-hooks` act on one shared instance of this class.
 */
export class Shutdown extends EventEmitter<ShutdownEvents> {
  readonly #settings: Settings;
  readonly #registry = new Registry();
  readonly #controller = new AbortController();
  readonly #listeners: ProcessListeners;
  readonly #readiness: Readiness;
  #state: ShutdownState = 'running';
  #installedByHand = false;
  /** What started the shutdown, once one has begun: only a repeat of its signal may force. */
  #trigger: Trigger | undefined;
  #run: ShutdownRun | undefined;
  #done: Promise<ShutdownReport> | undefined;
  /** The uncaught error that started or interrupted the shutdown, if any. */
  #crash: { error: unknown } | undefined;
  #exiting = false;

  constructor(options?: ShutdownOptions) {
    super();
    // Every loop, fetch and timer of the app may listen on this signal; many listeners are the
    // intended use, not a leak, so Node's "possible memory leak" warning would only mislead.
    setMaxListeners(0, this.#controller.signal);
    this.#settings = new Settings(options);
    this.#readiness = new Readiness(this.#settings.ready);
    this.#listeners = new ProcessListeners(this, {
      signal: (signal) => this.#onSignal(signal),
      crash: (kind, error) => this.#onCrash(kind, error),
      start: (t) => void this.#begin(t),
      exiting: (code) => this.#onExit(code),
      state: () => this.#state,
      hooks: () => this.#registry.size,
    });
  }

  /**
   * Changes options before shutdown begins, merged over the current ones (`undefined` keeps a
   * value). This is how the process-wide instance gets, say, a longer `timeout`.
   */
  configure(options: ShutdownOptions): this {
    const next = this.#settings.merge(options);
    if (this.#state !== 'running') throw new ShutdownInProgressError('configure()');
    this.#registry.checkDelays(next.resolved.timeout);
    const listening = this.#listeners.active;
    this.#listeners.unlisten();
    this.#settings.apply(next);
    if (listening) this.#listeners.listen(this.#options);
    return this;
  }

  get #options(): ResolvedOptions {
    return this.#settings.current;
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
    return this.#readiness.ready && this.#state === 'running';
  }

  /**
   * Says whether the application is ready to take traffic. Given a promise (migrations done, a
   * cache warmed), it becomes ready when the promise resolves; a rejection keeps it unready and
   * is reported through `debug`. A later call wins over a promise still pending.
   */
  setReady(ready: boolean | PromiseLike<unknown> = true): this {
    this.#readiness.set(ready);
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
    const entry = createEntry(name, hookOrResource, options, this.#options.timeout);
    if (this.#state !== 'running') throw new ShutdownInProgressError(name);
    const remove = this.#registry.add(entry);
    this.#listeners.listen(this.#options);
    log.core('registered %s (priority %d)', name, entry.priority);
    return () => {
      remove();
      // With no hook left, give the process back its default behaviour, unless asked to listen.
      if (this.#mayUnlisten()) this.#listeners.unlistenSoon(this.#mayUnlisten);
    };
  }

  /** Starts a shutdown by hand. A second call returns the same promise. */
  shutdown(options?: ManualShutdownOptions): Promise<ShutdownReport> {
    return this.#begin(trigger.manual(options));
  }

  /** Adds the process listeners now, even with no hook registered. Idempotent. */
  install(): this {
    this.#installedByHand = true;
    this.#listeners.listen(this.#options);
    return this;
  }

  /** Removes every listener this instance added. Idempotent. */
  uninstall(): this {
    this.#installedByHand = false;
    this.#listeners.unlisten();
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
      // The application's bug: reported like an uncaught error, never breaking the sequence.
      this.#onCrash('uncaughtException', error);
    }
  };

  #begin(started: Trigger): Promise<ShutdownReport> {
    if (this.#done) return this.#done;
    const { reason } = started;
    this.#trigger = started;
    this.#state = 'draining';
    this.#listeners.listen(this.#options);
    this.#controller.abort(new ShutdownStartedError(reason));
    if (log.core.enabled) {
      log.core('shutdown begins: %s; hooks: %s', reason, this.#registry.names().join(', '));
    }
    const { timeout, hookTimeout, delay, exit, process: proc, watchdogGrace } = this.#options;
    // In a worker thread the watchdog would kill the whole process: the thread's supervisor
    // terminates it at its deadline instead.
    const watchdog =
      exit === true && !this.#listeners.inThread
        ? { pid: proc.pid, grace: watchdogGrace }
        : undefined;
    const run = new ShutdownRun(
      this.#registry.snapshot(),
      reason,
      { timeout, hookTimeout, delay, watchdog },
      this.#emit,
    );
    this.#run = run;
    this.#done = this.#finish(run, started);
    this.#emit('shutdown', reason);
    return this.#done;
  }

  async #finish(run: ShutdownRun, started: Trigger): Promise<ShutdownReport> {
    // Let the `shutdown` event and the flag reach everyone before the first hook runs.
    await Promise.resolve();
    const outcome = await run.execute();
    const real = this.#options.process === globalThis.process;
    const report = buildReport(started, run, outcome, this.#crash, {
      real,
      platform: this.#options.platform?.name ?? null,
    });
    this.#state = 'stopped';
    // Ending the process itself, it keeps its listeners until it does: a signal arriving while
    // stdout flushes would otherwise meet the default action (143), the report unwritten.
    if (this.#options.exit !== true) this.#listeners.unlisten();
    log.core('shutdown done in %d ms, exit code %d', report.durationMs, report.exitCode);
    const crashed = this.#crash;
    this.#emit('done', report);
    if (this.#crash !== crashed) {
      // A `done` listener threw: a failure like any other listener's, so the exit code says so.
      report.error = this.#crash!.error;
      report.exitCode = exitCodeOf(started, outcome, true);
    }
    // After the `done` listeners, which may have changed the exit code.
    if (real) writeReportFile(report);
    void this.#exit(report.exitCode, false);
    return report;
  }

  /** Ends the process as the `exit` option says, once stdout and stderr are flushed unless forced. */
  #exit(code: number, immediate: boolean): Promise<void> {
    const { exit, flushTimeout } = this.#options;
    if (exit === true) this.#exiting = true;
    // An `exit` listener of the application that throws must end the process the way Node ends
    // it, not land in this instance's error listeners. The signal listeners stay: a signal that
    // arrives while the process exits must not meet the default action and kill it (143).
    return endProcess(exit, code, immediate ? 0 : flushTimeout, () =>
      this.#listeners.off('uncaughtException', 'unhandledRejection'),
    );
  }

  /** A signal: the start of a shutdown, or during one a repeat that may force the exit. */
  #onSignal(signal: NodeJS.Signals): void {
    if (this.#state === 'running') {
      log.signals('%s received; shutting down', signal);
      if (this.#options.process === globalThis.process && log.signals.enabled) {
        this.#listeners.reportOtherOwners(`when ${signal} arrived`);
      }
      void this.#begin(trigger.signal(signal, this.#options.signalExitCodes));
      return;
    }
    if (this.#state !== 'draining' || !this.#run) return;
    if (!repeatForces(this.#trigger, signal, this.#options.forceSignals)) {
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
    void this.#begin(trigger.crash(kind));
  }

  /** A direct `process.exit()`: before a shutdown said through `debug`, during one on stderr. */
  #onExit(code: number): void {
    if (this.#exiting || this.#state === 'stopped') return;
    const run = this.#state === 'running' ? undefined : this.#run;
    const stderr = run && (this.#options.process.stderr ?? process.stderr);
    reportDirectExit(code, run?.pending() ?? this.#registry.names(), run?.running() ?? [], stderr);
  }

  /** An emptied registry gives the process back its default behaviour. */
  #mayUnlisten = () =>
    this.#registry.size === 0 && !this.#installedByHand && this.#state === 'running';
}

/** Creates an isolated instance: its own hooks, listeners, flag and report. */
export function createShutdown(options?: ShutdownOptions): Shutdown {
  return new Shutdown(options);
}
