import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HookTimeoutError,
  isShuttingDown,
  onShutdown,
  ShutdownStartedError,
  shutdown,
  shutdownSignal,
} from '../../src/index.js';
import {
  createFakeProcess,
  createHookContext,
  createTestShutdown,
  replaceDefaultShutdown,
} from '../../src/testing/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('shutdown-hooks/testing', () => {
  it('createTestShutdown runs hooks on a fake signal and records the exit code', async () => {
    const t = createTestShutdown();
    const flushed: string[] = [];
    t.shutdown.onShutdown('flush', () => void flushed.push('queue'));
    const report = await t.kill('SIGTERM');
    expect(flushed).toEqual(['queue']);
    expect(report).toMatchObject({ reason: 'SIGTERM', exitCode: 0 });
    expect(t.exitCodes).toEqual([0]);
  });

  it('works with fake timers', async () => {
    vi.useFakeTimers();
    const t = createTestShutdown({ timeout: 1000 });
    t.shutdown.onShutdown('slow', (ctx) => new Promise((r) => setTimeout(r, ctx.timeLeft() + 1)));
    const done = t.kill();
    await vi.advanceTimersByTimeAsync(1000);
    const report = await done;
    expect(report.timedOut).toBe(true);
    expect(t.exitCodes).toEqual([1]);
  });

  it('the fake process delivers kill() to its own pid only', () => {
    const fake = createFakeProcess({ pid: 7 });
    const got: unknown[] = [];
    fake.on('SIGUSR2', (s: unknown) => got.push(s));
    expect(fake.kill(7, 'SIGUSR2')).toBe(true);
    expect(got).toEqual(['SIGUSR2']);
    expect(() => fake.kill(8, 'SIGUSR2')).toThrow(/ESRCH/);
    expect(() => fake.kill(7, 'SIGWHAT')).toThrow(TypeError);
  });

  it('createHookContext drives one hook directly', async () => {
    vi.useFakeTimers({ now: 0 });
    const { ctx, abort } = createHookContext({ timeout: 250 });
    expect(ctx.deadline).toBe(250);
    vi.advanceTimersByTime(100);
    expect(ctx.timeLeft()).toBe(150);
    const stopped = new Promise((r) => ctx.signal.addEventListener('abort', r));
    abort(new Error('cut'));
    await stopped;
    expect((ctx.signal.reason as Error).message).toBe('cut');
    expect(() => createHookContext({ timeout: -1 })).toThrow(TypeError);
  });

  it('createHookContext aborts ctx.signal by itself at its timeout (fake timers)', async () => {
    vi.useFakeTimers({ now: 0 });
    const { ctx } = createHookContext({ timeout: 250, name: 'consumer' });
    vi.advanceTimersByTime(249);
    expect(ctx.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBeInstanceOf(HookTimeoutError);
    expect((ctx.signal.reason as HookTimeoutError).message).toMatch(/"consumer".*250 ms/);
  });

  it('createHookContext aborts ctx.signal by itself at its timeout (real timers)', async () => {
    const { ctx } = createHookContext({ timeout: 20 });
    const reason = await new Promise((resolve) =>
      ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true }),
    );
    expect(reason).toBeInstanceOf(HookTimeoutError);
    expect(ctx.timeLeft()).toBe(0);
  });

  it('replaceDefaultShutdown puts the module-level API on a fake process, then restores it', async () => {
    const realSignal = shutdownSignal;
    const t = replaceDefaultShutdown();
    const seen: string[] = [];
    onShutdown('flush', () => void seen.push(`flush, shutting down: ${isShuttingDown()}`));
    expect(shutdownSignal).not.toBe(realSignal);
    const report = await t.kill('SIGTERM');
    expect(seen).toEqual(['flush, shutting down: true']);
    expect(report.reason).toBe('SIGTERM');
    expect(t.exitCodes).toEqual([0]);
    expect(shutdownSignal.reason).toBeInstanceOf(ShutdownStartedError);
    await expect(shutdown()).resolves.toBe(report);
    t.restore();
    expect(isShuttingDown()).toBe(false);
    expect(shutdownSignal).toBe(realSignal);
    expect(shutdownSignal.aborted).toBe(false);
    // A fresh instance for the next test, and the real process was never touched.
    const next = replaceDefaultShutdown();
    expect(isShuttingDown()).toBe(false);
    expect(next.process.listenerCount('SIGTERM')).toBe(0);
    next.restore();
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});
