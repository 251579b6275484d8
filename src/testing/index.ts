/**
 * Test helpers: a fake process, test instances, hook contexts.
 *
 * @module shutdown-hooks/testing
 */
import { setDefaultShutdown } from '../core/default.js';
import { HookTimeoutError } from '../core/errors.js';
import type { ShutdownOptions } from '../core/options.js';
import { createShutdown, type Shutdown } from '../core/shutdown.js';
import type { HookContext, ShutdownReason, ShutdownReport } from '../core/types.js';
import { validateMs, validateOptions } from '../core/validate.js';
import { createFakeProcess, type FakeProcess } from './fake-process.js';

export { createFakeProcess, type FakeProcess } from './fake-process.js';

const HOOK_CONTEXT_KEYS = Object.freeze(['timeout', 'reason', 'name']);

export interface TestShutdown {
  /** The instance under test, listening on `process`. */
  readonly shutdown: Shutdown;
  /** The fake process it listens on. */
  readonly process: FakeProcess;
  /** Every exit code the instance asked for, in order (it never ends the real process). */
  readonly exitCodes: readonly number[];
  /** Delivers `signal` (default SIGTERM) and resolves with the report of the shutdown it started. */
  kill(signal?: NodeJS.Signals): Promise<ShutdownReport>;
}

/**
 * An instance on a fake process whose exits are recorded instead of performed: a unit test of
 * your hooks in a few lines. Works with fake timers (advance them while awaiting `kill()`).
 *
 * @example
 * const t = createTestShutdown();
 * t.shutdown.onShutdown('flush', () => queue.flush());
 * const report = await t.kill('SIGTERM');
 * expect(report.exitCode).toBe(0);
 */
export function createTestShutdown(
  options: Omit<ShutdownOptions, 'process' | 'exit'> = {},
): TestShutdown {
  const fake = createFakeProcess();
  const exitCodes: number[] = [];
  const shutdown = createShutdown({
    ...options,
    process: fake,
    exit: (code) => exitCodes.push(code),
  });
  return {
    shutdown,
    process: fake,
    exitCodes,
    kill(signal = 'SIGTERM') {
      shutdown.install();
      fake.kill(fake.pid, signal);
      return shutdown.shutdown();
    },
  };
}

export interface DefaultTestShutdown extends TestShutdown {
  /** Puts the real process-wide instance back (idempotent). */
  restore(): void;
}

/**
 * Puts a test instance (on a fake process, exits recorded) behind the module-level functions —
 * `onShutdown`, `isShuttingDown`, `shutdown`, `shutdownSignal` — so code written against them can
 * be tested. Call `restore()` after each test; every call gives a fresh, running instance.
 * Read `shutdownSignal` where it is used (it is a live binding), not once at import.
 *
 * @example
 * let t: DefaultTestShutdown;
 * beforeEach(() => { t = replaceDefaultShutdown(); });
 * afterEach(() => t.restore());
 */
export function replaceDefaultShutdown(
  options: Omit<ShutdownOptions, 'process' | 'exit'> = {},
): DefaultTestShutdown {
  const test = createTestShutdown(options);
  const previous = setDefaultShutdown(test.shutdown);
  let restored = false;
  return {
    ...test,
    restore() {
      if (restored) return;
      restored = true;
      test.shutdown.uninstall();
      setDefaultShutdown(previous);
    },
  };
}

export interface TestHookContext {
  readonly ctx: HookContext;
  /** Aborts `ctx.signal` now, as a forced exit would. */
  abort(reason?: unknown): void;
}

/**
 * A `HookContext` for calling one hook directly, with a deadline `timeout` ms from now. When the
 * deadline passes, `ctx.signal` aborts with a `HookTimeoutError`, as in a real shutdown (with real
 * or fake timers; the timer does not keep the process alive).
 *
 * @example
 * const { ctx } = createHookContext({ timeout: 100 });
 * await expect(stopConsumer(ctx)).resolves.toBeUndefined(); // gave up when the signal aborted
 */
export function createHookContext(
  options: { timeout?: number; reason?: ShutdownReason; name?: string } = {},
): TestHookContext {
  validateOptions(options, 'options', HOOK_CONTEXT_KEYS);
  const timeout = validateMs(options.timeout ?? 5000, 'timeout');
  const controller = new AbortController();
  const deadline = Date.now() + timeout;
  const timer = setTimeout(
    () => controller.abort(new HookTimeoutError(options.name ?? 'test hook', timeout)),
    timeout,
  );
  (timer as { unref?: () => void }).unref?.();
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return {
    ctx: {
      signal: controller.signal,
      reason: options.reason ?? 'SIGTERM',
      deadline,
      // A timer may fire a millisecond before Date.now() reaches the deadline: once aborted,
      // no time is left, whatever the clock says.
      timeLeft: () => (controller.signal.aborted ? 0 : Math.max(0, deadline - Date.now())),
    },
    abort: (reason?: unknown) => controller.abort(reason),
  };
}
