import type { BroadcastChannel as Channel } from 'node:worker_threads';
import { builtin } from './builtin.js';
import { flushWaiting, loadDebug, log } from './debug.js';
import { watchStdioOnBun } from './exit.js';
import type { ResolvedOptions } from './options.js';
import { announcePlatform } from './platform-options.js';
import { RUNTIME } from './runtime.js';
import { registryListener } from './signals.js';
import { currentThread, isThreadStop, threadChannelName } from './thread.js';
import { type Trigger, trigger } from './trigger.js';
import type { ProcessListener, ShutdownState } from './types.js';
import { preloadWatchdog } from './watchdog.js';

/** What the listeners hand their instance: each event from the outside world as it comes. */
export interface ListenerTarget {
  /** A signal of `signals` arrived: a start, or a repeat during a shutdown. */
  signal(signal: NodeJS.Signals): void;
  /** An uncaught exception or unhandled rejection. */
  crash(kind: 'uncaughtException' | 'unhandledRejection', error: unknown): void;
  /**
   * Any other trigger: the parent gone, an IPC message, a supervisor's stop, the loop emptying.
   * Once a shutdown has begun, a further start changes nothing.
   */
  start(trigger: Trigger): void;
  /** A direct `process.exit()` is under way. */
  exiting(code: number): void;
  state(): ShutdownState;
  /** How many hooks are registered. */
  hooks(): number;
}

/**
 * Every listener an instance adds to the process, in one place: the signals (or, in a worker
 * thread, the channel `supervise()` posts on), the IPC channel's loss, the `'shutdown'` message,
 * uncaught errors, the event loop emptying, and `exit`.
 */
export class ProcessListeners {
  /** The instance the signal listeners are marked with (see `listensTo`). */
  readonly #owner: object;
  readonly #target: ListenerTarget;
  readonly #listeners = new Map<string, ProcessListener>();
  /** The options of the last `listen()`: every method but `listen()` acts on listeners it added. */
  #options!: ResolvedOptions;
  /** In a worker thread: the channel `supervise()` stops this instance on. */
  #channel: Channel | undefined;
  /** The parent's pid when listening began: a parent that dies is replaced by another. */
  #ppid = 0;
  /** Set while the listeners of an emptied registry wait to be removed. */
  #unlistenTimer: ReturnType<typeof setImmediate> | undefined;
  /** Removes the `disconnect` listener on Deno's cluster Worker object. */
  #workerListener: (() => void) | undefined;
  /** Whether the instance runs in a worker thread (known once it listens). */
  inThread = false;

  constructor(owner: object, target: ListenerTarget) {
    this.#owner = owner;
    this.#target = target;
  }

  get active(): boolean {
    return this.#listeners.size > 0;
  }

  /** Adds every listener `options` asks for; does nothing while they are in place. */
  listen(options: ResolvedOptions): void {
    if (this.active) return;
    this.#options = options;
    // With DEBUG set, `debug` loads now, so that it is there when the shutdown speaks.
    void loadDebug();
    const proc = options.process;
    const real = proc === globalThis.process;
    const thread = real ? currentThread() : undefined;
    this.inThread = thread !== undefined;
    if (options.exit === true && !thread) {
      preloadWatchdog();
      if (real && RUNTIME === 'bun') watchStdioOnBun();
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
    const add = (event: string, listener: ProcessListener) => {
      this.#listeners.set(event, listener);
      proc.on(event, listener);
    };
    if (thread) this.#listenToSupervisor(thread.threadId);
    else {
      for (const signal of options.signals) {
        add(
          signal,
          registryListener(() => this.#target.signal(signal), this.#owner),
        );
      }
    }
    if (real && !thread && log.signals.enabled) this.reportOtherOwners('at install');
    // Which platform's defaults apply, and the grace warning when they cannot be kept.
    if (real) announcePlatform(options);
    // A thread has no IPC channel of its own (Deno throws when a thread asks for one).
    if (real && !thread && options.disconnect && process.channel) {
      this.#ppid = process.ppid;
      // First: a cluster worker's own listener exits the process at once.
      const listener = () => this.#onDisconnect();
      this.#listeners.set('disconnect', listener);
      process.prependListener('disconnect', listener);
      // Deno tells a cluster worker only through its Worker object, then exits it unless it is
      // marked as leaving on purpose.
      if (RUNTIME === 'deno') {
        const worker = clusterWorker();
        worker?.prependListener('disconnect', listener);
        this.#workerListener = worker && (() => worker.off('disconnect', listener));
      }
    }
    if (real && options.shutdownMessage) {
      add('message', (message: unknown) => {
        if (message === 'shutdown') this.#target.start(trigger.requested('shutdown'));
      });
    }
    const { handleErrors } = options;
    if (handleErrors.uncaughtException) {
      add('uncaughtException', (error: unknown) => this.#target.crash('uncaughtException', error));
    }
    if (handleErrors.unhandledRejection) {
      add('unhandledRejection', (reason: unknown) =>
        this.#target.crash('unhandledRejection', reason),
      );
    }
    if (options.naturalExit) {
      add('beforeExit', () => {
        if (this.#target.state() !== 'running' || this.#target.hooks() === 0) return;
        log.core('event loop is empty; running hooks before the natural exit');
        this.#target.start(trigger.naturalExit(proc.exitCode));
      });
    }
    add('exit', (code: number) => {
      this.#target.exiting(code);
      // Lines of a `debug` still loading would be lost with the process: written plainly now.
      flushWaiting();
    });
    log.core('listening on %s', [...this.#listeners.keys()].join(', '));
  }

  /** Removes the listeners of these events. */
  off(...events: string[]): void {
    for (const event of events) {
      const listener = this.#listeners.get(event);
      if (!listener) continue;
      this.#options.process.off(event, listener);
      this.#listeners.delete(event);
    }
  }

  /** Removes every listener added. Idempotent. */
  unlisten(): void {
    this.off(...this.#listeners.keys());
    this.#workerListener?.();
    this.#workerListener = undefined;
    this.#channel?.close();
    this.#channel = undefined;
  }

  /**
   * Removes the listeners once the current turn of the event loop is over, if `still()` says
   * so then. Code that registers and unregisters a hook per job or per connection would
   * otherwise add and remove every process listener (and its signal handler) each time.
   */
  unlistenSoon(still: () => boolean): void {
    if (this.#unlistenTimer) return;
    this.#unlistenTimer = setImmediate(() => {
      this.#unlistenTimer = undefined;
      if (still()) this.unlisten();
    });
  }

  /**
   * Says through `debug` which other code listens to the same signals (NestJS, terminus, Apollo,
   * Prisma and the like): code that may re-raise the signal or call `process.exit()` itself.
   */
  reportOtherOwners(when: string): void {
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
    // Listening must not keep the thread alive (Deno's BroadcastChannel, the web one, has no
    // unref() and does not hold the thread).
    (channel as { unref?: () => void }).unref?.();
    channel.onmessage = (event) => {
      const data = (event as { data?: unknown }).data;
      if (!isThreadStop(data) || this.#target.state() !== 'running') return;
      log.core('stop received from the supervising thread (%s)', data.reason);
      this.#target.start(trigger.requested(data.reason));
    };
    this.#channel = channel;
  }

  /**
   * The IPC channel to the parent closed. If the parent died (a cluster primary, a forking
   * process), shut down; a parent that disconnected on purpose is left to its plan.
   */
  #onDisconnect(): void {
    const worker = clusterWorker();
    if (worker) {
      // The primary disconnects a worker on purpose only after telling it so; otherwise Node
      // exits the worker at once, unless it is marked as leaving on purpose: it is, gracefully,
      // and a worker already shutting down (or flushing its output to exit) finishes that.
      if (worker.exitedAfterDisconnect) return;
      worker.exitedAfterDisconnect = true;
      if (this.#target.state() === 'running') this.#parentGone();
      return;
    }
    // A dead parent's children are handed to another process, though possibly a moment after
    // the channel closed: look again a few times before deciding the parent is alive.
    const look = (left: number) => {
      if (this.#target.state() !== 'running') return;
      if (process.ppid !== this.#ppid) this.#parentGone();
      else if (left > 0) setTimeout(() => look(left - 1), 20).unref();
      else log.core('the parent closed the IPC channel on purpose; carrying on');
    };
    look(5);
  }

  #parentGone(): void {
    log.core('the parent is gone (its IPC channel closed); shutting down');
    this.#target.start(trigger.requested('disconnect'));
  }
}

/** This process's `cluster` worker, if it is one. */
function clusterWorker(): import('node:cluster').Worker | undefined {
  const cluster = builtin('node:cluster');
  return cluster.isWorker ? cluster.worker : undefined;
}
