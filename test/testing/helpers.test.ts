import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createFakeProcess,
  createHookContext,
  createTestShutdown,
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
});
