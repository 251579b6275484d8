import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HookTimeoutError, ShutdownTimeoutError } from '../../src/index.js';
import { harness, waitForAbort } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const never = () => new Promise<void>(() => {});

describe('deadlines', () => {
  it('aborts a hook at its own timeout, reports it and moves on', async () => {
    const { sd, exits, log } = harness({ timeout: 5000 });
    let seen: unknown;
    sd.onShutdown(
      'slow',
      async (ctx) => {
        await waitForAbort(ctx);
        seen = ctx.signal.reason;
        // Late work after the abort must not hold the shutdown up.
        await never();
      },
      { timeout: 100, priority: 2 },
    );
    sd.onShutdown('next', () => void log.push('next'), { priority: 1 });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(99);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const report = await done;
    expect(seen).toBeInstanceOf(HookTimeoutError);
    expect(report.hooks[0]).toMatchObject({ name: 'slow', status: 'timeout', durationMs: 100 });
    expect((report.hooks[0]!.error as HookTimeoutError).code).toBe('ERR_SHUTDOWN_HOOK_TIMEOUT');
    expect(report.hooks[1]).toMatchObject({ name: 'next', status: 'ok' });
    expect(log).toEqual(['next']);
    expect(report.timedOut).toBe(false);
    expect(report.exitCode).toBe(1);
    expect(exits).toEqual([1]);
  });

  it("uses the instance's hookTimeout for hooks without their own", async () => {
    const { sd } = harness({ hookTimeout: 300 });
    sd.onShutdown('a', never);
    sd.onShutdown('b', never, { timeout: 50 });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(300);
    const report = await done;
    expect(report.hooks.map((h) => [h.name, h.status, h.durationMs])).toEqual([
      ['a', 'timeout', 300],
      ['b', 'timeout', 50],
    ]);
  });

  it('gives ctx the deadline and the time left', async () => {
    const { sd } = harness({ timeout: 1000 });
    const seen: number[] = [];
    sd.onShutdown(
      'own',
      async (ctx) => {
        seen.push(ctx.deadline - Date.now(), ctx.timeLeft());
        await vi.advanceTimersByTimeAsync(40);
        seen.push(ctx.timeLeft());
      },
      { timeout: 200 },
    );
    sd.onShutdown('global', (ctx) => void seen.push(ctx.deadline), { priority: -1 });
    const startedAt = Date.now();
    await vi.advanceTimersByTimeAsync(0);
    const report = await sd.shutdown();
    expect(seen).toEqual([200, 200, 160, startedAt + 1000]);
    expect(report.startedAt).toBe(startedAt);
  });

  it('global timeout cuts off running hooks, skips the rest and exits 1', async () => {
    const { sd, exits } = harness({ timeout: 1000 });
    const events: unknown[] = [];
    sd.on('timeout', (e) => events.push(e));
    let reason: unknown;
    sd.onShutdown('fast', () => {}, { priority: 3 });
    sd.onShutdown(
      'hang',
      async (ctx) => {
        await waitForAbort(ctx);
        reason = ctx.signal.reason;
      },
      { priority: 2 },
    );
    sd.onShutdown('later', () => {}, { priority: 1 });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(1000);
    const report = await done;
    expect(report.timedOut).toBe(true);
    expect(report.hooks.map((h) => h.status)).toEqual(['ok', 'timeout', 'skipped']);
    expect(report.hooks[1]!.error).toBeInstanceOf(ShutdownTimeoutError);
    expect(reason).toBeInstanceOf(ShutdownTimeoutError);
    expect(events).toEqual([{ name: 'hang', timeout: 1000, global: true }]);
    expect(exits).toEqual([1]);
  });

  it('a hook timeout at or past the global deadline counts as the global timeout', async () => {
    const { sd } = harness({ timeout: 500 });
    sd.onShutdown('long-own', never, { timeout: 500, priority: 2 });
    sd.onShutdown('after', () => {}, { priority: 1 });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(500);
    const report = await done;
    expect(report.timedOut).toBe(true);
    expect(report.hooks.map((h) => h.status)).toEqual(['timeout', 'skipped']);
    expect(report.hooks[0]!.error).toBeInstanceOf(ShutdownTimeoutError);
  });

  it('waits `delay` before the first hook, with the flag already set', async () => {
    const { sd, log } = harness({ delay: 300 });
    sd.onShutdown('h', () => void log.push('h'));
    const done = sd.shutdown();
    expect(sd.isShuttingDown()).toBe(true);
    expect(sd.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(299);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(log).toEqual(['h']);
  });

  it('refuses a delay that leaves no time for the hooks, naming both options', () => {
    expect(() => harness({ delay: 2000, timeout: 1000 })).toThrow(
      /`delay` \(2000\) to be less than `timeout` \(1000\)/,
    );
    expect(() => harness({ delay: 1000, timeout: 1000 })).toThrow(TypeError);
    const { sd } = harness({ timeout: 1000 });
    expect(() => sd.configure({ delay: 1000 })).toThrow(/`delay` \(1000\).*`timeout` \(1000\)/);
    expect(() => sd.configure({ delay: 999 })).not.toThrow();
  });

  it('a global deadline that passes during the delay skips every hook', async () => {
    const { sd } = harness({ delay: 900, timeout: 1000 });
    const events: unknown[] = [];
    sd.on('timeout', (e) => events.push(e));
    sd.onShutdown('h', () => new Promise(() => {}));
    sd.onShutdown('later', () => {}, { priority: 0 });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(1000);
    const report = await done;
    expect(report.timedOut).toBe(true);
    expect(report.hooks.map((h) => h.status)).toEqual(['timeout', 'skipped']);
    expect(events).toEqual([{ name: 'h', timeout: 1000, global: true }]);
    expect(report.exitCode).toBe(1);
  });

  it('a global deadline that passes before a delayed hook has started names no hook', async () => {
    const { sd } = harness({ delay: 900, timeout: 1000 });
    const events: unknown[] = [];
    sd.on('timeout', (e) => events.push(e));
    sd.onShutdown('h', () => {});
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(0);
    // Both timers at once, with no turn of the promise queue between them: the hook, due to
    // start once the delay has passed, has not started when the deadline passes.
    vi.advanceTimersByTime(1000);
    const report = await done;
    expect(events).toEqual([{ name: undefined, timeout: 1000, global: true }]);
    expect(report.hooks.map((h) => h.status)).toEqual(['skipped']);
    expect(report.timedOut).toBe(true);
  });

  it('leaves no timer behind once done', async () => {
    const { sd } = harness({ delay: 10, timeout: 5000 });
    sd.onShutdown('h', () => {}, { timeout: 1000 });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(10);
    await done;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ctx.signal', () => {
  it('is already aborted, with the reason, when first read after the hook was cut off', async () => {
    const { sd } = harness();
    let ctxRef: { signal: AbortSignal } | undefined;
    sd.onShutdown(
      'reads-late',
      (ctx) => {
        ctxRef = ctx;
        return new Promise(() => {});
      },
      { timeout: 100 },
    );
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(100);
    await done;
    const late = ctxRef!.signal;
    expect(late.aborted).toBe(true);
    expect(late.reason).toBeInstanceOf(HookTimeoutError);
  });

  it('is not aborted for a hook that finished in time', async () => {
    const { sd } = harness();
    let signal: AbortSignal | undefined;
    sd.onShutdown('quick', (ctx) => {
      signal = ctx.signal;
    });
    await sd.shutdown();
    expect(signal!.aborted).toBe(false);
  });

  it('is one signal however often it is read, and the abort reaches what was given it first', async () => {
    const { sd } = harness();
    let first: AbortSignal | undefined;
    let second: AbortSignal | undefined;
    sd.onShutdown(
      'reads twice',
      async (ctx) => {
        first = ctx.signal;
        second = ctx.signal;
        await waitForAbort(ctx);
      },
      { timeout: 100 },
    );
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(second).toBe(first);
    expect(first!.aborted).toBe(true);
  });

  it('takes any number of listeners without a MaxListenersExceededWarning', async () => {
    const { sd } = harness();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    sd.onShutdown('hands it on', (ctx) => {
      // An AbortSignal warns at its eleventh listener unless its limit is lifted.
      for (let n = 0; n < 11; n += 1) ctx.signal.addEventListener('abort', () => {});
    });
    await sd.shutdown();
    const calls = warn.mock.calls.length;
    warn.mockRestore();
    expect(calls).toBe(0);
  });
});
