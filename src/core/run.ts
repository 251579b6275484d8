import pTimeout from 'p-timeout';
import { Context } from './context.js';
import { log } from './debug.js';
import { HookTimeoutError, ShutdownForcedError, ShutdownTimeoutError } from './errors.js';
import type { HookEntry } from './registry.js';
import { type Emit, type HookEnd, type RunOutcome, resultOf } from './result.js';

import type { HookResult, ShutdownReason } from './types.js';
import { isThenable } from './validate.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

export interface RunOptions {
  readonly timeout: number;
  readonly hookTimeout: number | undefined;
  readonly delay: number;
  /**
   * The process the watchdog ends if the event loop stays blocked `grace` ms past the deadline;
   * no watchdog if unset.
   */
  readonly watchdog: { readonly pid: number; readonly grace: number } | undefined;
}

/** Ends one running hook early with a reason: its timeout, the global deadline or a forced exit. */
type Cut = (reason: Error) => void;

/**
 * One run of the sequence: `delay`, then the snapshot's groups in order, each hook under its own
 * deadline and the whole sequence under the global one (p-timeout). Ending a hook early never
 * waits for it: the hook is cut loose, its `ctx.signal` aborts, and the sequence moves on.
 */
export class ShutdownRun {
  readonly startedAt = Date.now();
  readonly deadline: number;
  readonly #groups: readonly HookEntry[][];
  readonly reason: ShutdownReason;
  readonly #options: RunOptions;
  readonly #emit: Emit;
  readonly #running = new Map<HookEntry, Cut>();
  readonly #results = new Map<HookEntry, HookResult>();
  /** Set once the sequence must stop starting hooks: the global deadline passed or it was forced. */
  #ended: Error | undefined;
  #watchdog: Watchdog | undefined;
  /** Wakes every wait for a delay, when the run ends early. */
  readonly #sleepers = new Set<() => void>();
  /** Read once per run: two diagnostics per hook are otherwise a measurable share of its cost. */
  readonly #verbose = log.hooks.enabled;

  constructor(groups: HookEntry[][], reason: ShutdownReason, options: RunOptions, emit: Emit) {
    this.#groups = groups;
    this.reason = reason;
    this.#options = options;
    this.#emit = emit;
    this.deadline = this.startedAt + options.timeout;
  }

  /** Names of the hooks running right now. */
  running(): string[] {
    return Array.from(this.#running.keys(), (entry) => entry.name);
  }

  /** Names of the hooks not started yet. */
  pending(): string[] {
    return this.#groups
      .flat()
      .filter((entry) => !this.#results.has(entry) && !this.#running.has(entry))
      .map((entry) => entry.name);
  }

  /** Ends the run at once: running hooks are cut off and reported as errors, the rest skipped. */
  force(signal: string): ShutdownForcedError {
    const error = new ShutdownForcedError(signal, this.running());
    // Cutting every running hook (and waking `delay`) lets the sequence return at once.
    this.#end(error);
    return error;
  }

  /**
   * Starts the watchdog before anything that may block the event loop (a hook without
   * `quickStart`, or a delay). Its thread takes a few milliseconds to start, so the drains close
   * their listeners first. Idempotent.
   */
  #arm(): void {
    if (this.#options.watchdog !== undefined) {
      const { pid, grace } = this.#options.watchdog;
      this.#watchdog ??= startWatchdog(this.deadline, this.#options.timeout, pid, grace);
    }
  }

  async execute(): Promise<RunOutcome> {
    // #sequence never rejects: whatever a hook does is caught in #startHook.
    await pTimeout(this.#sequence(), {
      milliseconds: this.#options.timeout,
      fallback: () => this.#globalTimeout(),
    });
    this.#watchdog?.stop();
    const hooks = this.#groups
      .flat()
      .map(
        (entry): HookResult => this.#results.get(entry) ?? resultOf(entry, 0, { skipped: true }),
      );
    return {
      hooks,
      timedOut: this.#ended instanceof ShutdownTimeoutError,
      forced: this.#ended instanceof ShutdownForcedError ? this.#ended : undefined,
    };
  }

  async #sequence(): Promise<void> {
    // With no hook, the delay still holds the process while load balancers catch up. A forced
    // exit may come before the sequence has started: then there is nothing to wait for.
    if (this.#groups.length === 0 && this.#options.delay > 0 && !this.#ended) {
      this.#arm();
      await this.#sleep(this.#options.delay).done;
    }
    for (const [index, group] of this.#groups.entries()) {
      if (this.#ended) return;
      await this.#runGroup(group, index === this.#groups.length - 1);
    }
    this.#arm();
  }

  /**
   * Starts every hook of a group at once; settles when each has finished or been cut off. Hooks
   * with `quickStart` (drains closing their listeners) go first, then the watchdog is armed. In
   * the last group, a hook's `share` of the time left is all of it.
   */
  #runGroup(group: readonly HookEntry[], last: boolean): Promise<void> {
    return new Promise((resolve) => {
      let pending = group.length;
      const settled = () => {
        pending -= 1;
        if (pending === 0) resolve();
      };
      for (const entry of group) {
        if (entry.traits?.quickStart) this.#startHook(entry, last, settled);
      }
      this.#arm();
      for (const entry of group) {
        if (!entry.traits?.quickStart) this.#startHook(entry, last, settled);
      }
    });
  }

  /**
   * Runs one hook; calls `settled` once when it finishes or is cut off, whichever comes first. A
   * hook that is cut off keeps running in the background, but nothing waits for it any more.
   *
   * One delay holds each hook, counted from the start of the shutdown: the instance's `delay`,
   * waited before the hook's time starts, or the hook's own (a drain's), which replaces it and is
   * waited inside the hook's time. Hooks of later groups find it long past.
   */
  #startHook(entry: HookEntry, last: boolean, settled: () => void): void {
    if (this.#ended) {
      settled();
      return;
    }
    const own = entry.traits?.delay;
    const wait = this.startedAt + (own ?? this.#options.delay) - Date.now();
    if (wait > 0) this.#arm();
    if (own === undefined && wait > 0) {
      void this.#sleep(wait).done.then(() => this.#startHook(entry, last, settled));
      return;
    }
    const start = Date.now();
    const inside = Math.max(0, wait);
    const timeout = this.#ownTimeout(entry, start, last, inside);
    // A hook whose own deadline is not earlier than the global one is cut off by the global
    // deadline; it gets no timer of its own, so no race between two timers needs settling.
    const global = timeout === undefined || start + timeout >= this.deadline;
    const deadline = global ? this.deadline : start + timeout;
    const ctx = new Context(this.reason, deadline);
    let called = start;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sleeping: (() => void) | undefined;
    let done = false;
    const finish = (cut: Error | undefined, failed: boolean, error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sleeping?.();
      this.#running.delete(entry);
      this.#record(entry, called, { cut, failed, thrown: error });
      settled();
    };
    this.#running.set(entry, (reason) => {
      if (done) return;
      ctx.abort(reason);
      finish(reason, false);
    });
    if (!global) {
      timer = setTimeout(() => {
        const { timeoutAdvice } = entry.traits ?? {};
        const advice = typeof timeoutAdvice === 'function' ? timeoutAdvice() : timeoutAdvice;
        this.#running.get(entry)?.(new HookTimeoutError(entry.name, timeout, advice));
      }, timeout);
    }
    const call = () => {
      sleeping = undefined;
      if (done) return;
      called = Date.now();
      this.#emit('hook:start', { name: entry.name, priority: entry.priority });
      if (this.#verbose) {
        log.hooks(
          'start %s (priority %d, %d ms left)',
          entry.name,
          entry.priority,
          deadline - called,
        );
      }
      let returned: unknown;
      let thenable: boolean;
      try {
        returned = entry.hook(ctx);
        thenable = isThenable(returned);
      } catch (error) {
        finish(undefined, true, error);
        return;
      }
      if (thenable) {
        // Promise.resolve() returns a native promise as it is, and tames a thenable that misbehaves.
        Promise.resolve(returned).then(
          () => finish(undefined, false),
          (error: unknown) => finish(undefined, true, error),
        );
      } else finish(undefined, false);
    };
    if (inside === 0) {
      call();
      return;
    }
    const sleep = this.#sleep(inside);
    sleeping = sleep.wake;
    void sleep.done.then(call);
  }

  /**
   * The hook's own timeout (a drain's includes its own delay), else `hookTimeout`, else its
   * `share` of the time left (if any); an inherited timeout starts after the hook's own delay.
   */
  #ownTimeout(entry: HookEntry, start: number, last: boolean, wait: number): number | undefined {
    if (entry.timeout !== undefined) return entry.timeout;
    const { hookTimeout } = this.#options;
    if (hookTimeout !== undefined) return wait + hookTimeout;
    const share = entry.traits?.share;
    if (share === undefined || last) return undefined;
    return wait + Math.max(1, Math.floor((this.deadline - start - wait) * share));
  }

  /** A hook called at `called` (epoch ms) has ended. */
  #record(entry: HookEntry, called: number, end: HookEnd): void {
    const durationMs = Date.now() - called;
    const result = resultOf(entry, durationMs, end, called - this.startedAt);
    if (end.cut instanceof HookTimeoutError) {
      this.#emit('timeout', { name: entry.name, timeout: end.cut.timeout, global: false });
    }
    this.#results.set(entry, result);
    if (this.#verbose) log.hooks('end %s: %s in %d ms', entry.name, result.status, durationMs);
    this.#emit('hook:end', result);
  }

  /** The global deadline passed: cut off whatever runs and skip the rest. */
  #globalTimeout(): void {
    const running = this.running();
    log.core(
      'global timeout of %d ms; cutting off: %s',
      this.#options.timeout,
      running.join(', ') || 'none',
    );
    this.#end(new ShutdownTimeoutError(this.#options.timeout));
    if (running.length === 0) {
      this.#emit('timeout', { name: undefined, timeout: this.#options.timeout, global: true });
    }
    for (const name of running) {
      this.#emit('timeout', { name, timeout: this.#options.timeout, global: true });
    }
  }

  #end(reason: Error): void {
    if (this.#ended) return;
    this.#ended = reason;
    for (const wake of [...this.#sleepers]) wake();
    for (const cut of this.#running.values()) cut(reason);
  }

  /** Waits `ms`; `wake()` ends the wait early, and so does the end of the run. */
  #sleep(ms: number): { done: Promise<void>; wake: () => void } {
    let wake!: () => void;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake(), ms);
      wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
    });
    this.#sleepers.add(wake);
    return { done, wake };
  }
}
