import type { ShutdownOptions } from '../core/options.js';
import { createShutdown, type Shutdown } from '../core/shutdown.js';
import type { HookContext, ShutdownReason, ShutdownReport } from '../core/types.js';
import { validateMs } from '../core/validate.js';
import { createFakeProcess, type FakeProcess } from './fake-process.js';

export { createFakeProcess, type FakeProcess } from './fake-process.js';

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

export interface TestHookContext {
  readonly ctx: HookContext;
  /** Aborts `ctx.signal`, as a timeout or a forced exit would. */
  abort(reason?: unknown): void;
}

/**
 * A `HookContext` for calling one hook directly, with a deadline `timeout` ms from now.
 *
 * @example
 * const { ctx, abort } = createHookContext({ timeout: 100 });
 * const running = myHook(ctx);
 * abort();
 * await expect(running).resolves.toBeUndefined();
 */
export function createHookContext(
  options: { timeout?: number; reason?: ShutdownReason } = {},
): TestHookContext {
  const timeout = validateMs(options.timeout ?? 5000, 'timeout');
  const controller = new AbortController();
  const deadline = Date.now() + timeout;
  return {
    ctx: {
      signal: controller.signal,
      reason: options.reason ?? 'SIGTERM',
      deadline,
      timeLeft: () => Math.max(0, deadline - Date.now()),
    },
    abort: (reason?: unknown) => controller.abort(reason),
  };
}
