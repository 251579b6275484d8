import pTimeout from 'p-timeout';
import { log } from './debug.js';
import {
  HookFailedError,
  HookTimeoutError,
  ShutdownForcedError,
  ShutdownTimeoutError,
} from './errors.js';
import type { HookEntry } from './registry.js';
import type {
  HookContext,
  HookResult,
  HookStatus,
  ShutdownEvents,
  ShutdownReason,
} from './types.js';

export interface RunOptions {
  readonly timeout: number;
  readonly hookTimeout: number | undefined;
  readonly delay: number;
}

export type Emit = <E extends keyof ShutdownEvents>(
  event: E,
  ...args: Parameters<ShutdownEvents[E]>
) => void;

export interface RunOutcome {
  readonly hooks: HookResult[];
  readonly timedOut: boolean;
  readonly forced: ShutdownForcedError | undefined;
}

/** Sentinel thrown by p-timeout's fallback, so a hook's own timeout is told apart from its errors. */
const OWN_TIMEOUT = Symbol('own timeout');

/**
 * One run of the sequence: `delay`, then the snapshot's groups in order, each hook under its own
 * deadline and all under the global one. A single `stop` controller ends everything early, for
 * the global deadline and for a forced exit alike; its reason tells the two apart.
 */
export class ShutdownRun {
  readonly startedAt = Date.now();
  readonly deadline: number;
  readonly #groups: readonly HookEntry[][];
  readonly #reason: ShutdownReason;
  readonly #options: RunOptions;
  readonly #emit: Emit;
  readonly #stop = new AbortController();
  readonly #running = new Map<HookEntry, AbortController>();
  readonly #results = new Map<HookEntry, HookResult>();
  #timedOut = false;

  constructor(groups: HookEntry[][], reason: ShutdownReason, options: RunOptions, emit: Emit) {
    this.#groups = groups;
    this.#reason = reason;
    this.#options = options;
    this.#emit = emit;
    this.deadline = this.startedAt + options.timeout;
  }

  /** Names of the hooks running right now. */
  running(): string[] {
    return Array.from(this.#running.keys(), (entry) => entry.name);
  }

  /** Ends the run at once: running hooks are aborted and reported as errors, the rest skipped. */
  force(signal: string): ShutdownForcedError {
    const error = new ShutdownForcedError(signal, this.running());
    this.#abortAll(error);
    return error;
  }

  async execute(): Promise<RunOutcome> {
    const timer = setTimeout(() => this.#globalTimeout(), this.#options.timeout);
    try {
      if (this.#options.delay > 0) await this.#sleep(this.#options.delay);
      for (const group of this.#groups) {
        if (this.#stop.signal.aborted) break;
        await Promise.all(group.map((entry) => this.#runHook(entry)));
      }
    } finally {
      clearTimeout(timer);
    }
    const reason = this.#stop.signal.reason;
    const hooks = this.#groups.flat().map(
      (entry) =>
        this.#results.get(entry) ?? {
          name: entry.name,
          priority: entry.priority,
          status: 'skipped' as const,
          durationMs: 0,
        },
    );
    return {
      hooks,
      timedOut: this.#timedOut,
      forced: reason instanceof ShutdownForcedError ? reason : undefined,
    };
  }

  async #runHook(entry: HookEntry): Promise<void> {
    const stop = this.#stop.signal;
    if (stop.aborted) return;
    const start = Date.now();
    const own = entry.timeout ?? this.#options.hookTimeout;
    // A hook whose own deadline is not earlier than the global one is cut off by the global
    // deadline, whichever of the two timers happens to fire first.
    const global = own === undefined || start + own >= this.deadline;
    const deadline = global ? this.deadline : start + own;
    const controller = new AbortController();
    const ctx: HookContext = {
      signal: controller.signal,
      reason: this.#reason,
      deadline,
      timeLeft: () => Math.max(0, deadline - Date.now()),
    };
    this.#running.set(entry, controller);
    this.#emit('hook:start', { name: entry.name, priority: entry.priority });
    log.hooks('start %s (priority %d, %d ms left)', entry.name, entry.priority, deadline - start);

    let status: HookStatus = 'ok';
    let error: unknown;
    try {
      await pTimeout(invoke(entry, ctx), {
        milliseconds: Math.max(1, deadline - start),
        signal: stop,
        fallback: () => {
          throw OWN_TIMEOUT;
        },
      });
    } catch (thrown) {
      if (thrown === OWN_TIMEOUT && global) this.#globalTimeout();
      if (stop.aborted && (thrown === stop.reason || thrown === OWN_TIMEOUT)) {
        // Cut off by the global deadline (a timeout) or by a forced exit (an error).
        error = stop.reason;
        status = stop.reason instanceof ShutdownForcedError ? 'error' : 'timeout';
      } else if (thrown === OWN_TIMEOUT) {
        error = new HookTimeoutError(entry.name, own!);
        status = 'timeout';
        controller.abort(error);
        this.#emit('timeout', { name: entry.name, timeout: own!, global: false });
      } else {
        error = thrown instanceof Error ? thrown : new HookFailedError(entry.name, thrown);
        status = 'error';
      }
    }
    this.#running.delete(entry);
    const result: HookResult = {
      name: entry.name,
      priority: entry.priority,
      status,
      durationMs: Date.now() - start,
      ...(error === undefined ? {} : { error }),
    };
    this.#results.set(entry, result);
    log.hooks('end %s: %s in %d ms', entry.name, status, result.durationMs);
    this.#emit('hook:end', result);
  }

  /** The global deadline passed: cut off whatever runs, skip the rest. Idempotent. */
  #globalTimeout(): void {
    if (this.#stop.signal.aborted) return;
    this.#timedOut = true;
    const running = this.running();
    log.core(
      'global timeout of %d ms; cutting off: %s',
      this.#options.timeout,
      running.join(', ') || 'none',
    );
    this.#abortAll(new ShutdownTimeoutError(this.#options.timeout));
    if (running.length === 0) {
      this.#emit('timeout', { name: undefined, timeout: this.#options.timeout, global: true });
    }
    for (const name of running)
      this.#emit('timeout', { name, timeout: this.#options.timeout, global: true });
  }

  #abortAll(reason: Error): void {
    this.#stop.abort(reason);
    for (const controller of this.#running.values()) controller.abort(reason);
  }

  #sleep(ms: number): Promise<void> {
    const stop = this.#stop.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener('abort', done, { once: true });
    });
  }
}

/** Runs a hook so that a synchronous throw becomes a rejection like any other. */
function invoke(entry: HookEntry, ctx: HookContext): Promise<void> {
  return new Promise<void>((resolve) => resolve(entry.hook(ctx)));
}
