// Behaviours a user relies on that a small slip in the code would break unnoticed: each test here
// pins one of them down.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOOK_TRAITS } from '../../src/core/registry.js';
import { type HookOptions, Priority, type TimeoutEvent } from '../../src/index.js';
import { deferred, harness, waitForAbort } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('contracts', () => {
  it("a hook's own timeout emits `timeout` with global: false, once", async () => {
    const { sd } = harness({ timeout: 5000 });
    const events: TimeoutEvent[] = [];
    sd.on('timeout', (e) => events.push(e));
    sd.onShutdown('slow', waitForAbort, { timeout: 100 });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(events).toEqual([{ name: 'slow', timeout: 100, global: false }]);
  });

  it('report.durationMs is the time from the start to the end of the shutdown', async () => {
    const { sd } = harness({ delay: 50 });
    sd.onShutdown('wait', () => new Promise<void>((r) => setTimeout(r, 200)));
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(250);
    const report = await done;
    expect(report.startedAt).toBe(1_000_000);
    expect(report.durationMs).toBe(250);
  });

  it('unregistering one of several hooks keeps the process listeners', () => {
    const { sd, fake } = harness();
    const offA = sd.onShutdown('a', () => {});
    const offB = sd.onShutdown('b', () => {});
    offA();
    offA();
    vi.runAllTimers();
    expect(fake.listenerCount('SIGTERM')).toBe(1);
    offB();
    vi.advanceTimersToNextTimer();
    expect(fake.listenerCount('SIGTERM')).toBe(0);
  });

  it('uninstall() forgets a hand install: the last unregister then removes the listeners', () => {
    const { sd, fake } = harness();
    sd.install();
    sd.uninstall();
    const off = sd.onShutdown('h', () => {});
    expect(fake.listenerCount('SIGTERM')).toBe(1);
    off();
    vi.advanceTimersToNextTimer();
    expect(fake.eventNames()).toEqual([]);
  });

  it('[Symbol.asyncDispose] waits for a shutdown in progress', async () => {
    const { sd } = harness();
    const gate = deferred();
    sd.onShutdown('slow', () => gate.promise);
    void sd.shutdown();
    let disposed = false;
    const disposing = sd[Symbol.asyncDispose]().then(() => {
      disposed = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(disposed).toBe(false);
    gate.resolve();
    await disposing;
    expect(disposed).toBe(true);
  });

  it('a forced exit during the delay ends the run at once, without waiting the delay out', async () => {
    const { sd, fake, exits } = harness({ delay: 5000, timeout: 8000 });
    sd.onShutdown('h', () => {});
    let ended = false;
    const done = sd.shutdown().then((report) => {
      ended = true;
      return report;
    });
    fake.emit('SIGINT');
    await vi.advanceTimersByTimeAsync(10);
    expect(ended).toBe(false);
    // The shutdown was started by hand: SIGINT is not a repeat. A second SIGINT after a first is.
    const bySignal = harness({ delay: 5000, timeout: 8000 });
    bySignal.sd.onShutdown('h', () => {});
    let forcedEnd = false;
    bySignal.fake.emit('SIGINT');
    const forced = bySignal.sd.shutdown().then((report) => {
      forcedEnd = true;
      return report;
    });
    bySignal.fake.emit('SIGINT');
    await vi.advanceTimersByTimeAsync(10);
    expect(forcedEnd).toBe(true);
    expect((await forced).hooks.map((h) => h.status)).toEqual(['skipped']);
    expect(bySignal.exits).toEqual([130]);
    await vi.advanceTimersByTimeAsync(5000);
    expect((await done).exitCode).toBe(0);
    expect(exits).toEqual([0]);
  });

  it('a forced exit well into the delay wakes the sequence at once', async () => {
    const { sd, fake, exits } = harness({ delay: 5000, timeout: 8000 });
    sd.onShutdown('h', () => {});
    fake.emit('SIGINT');
    let ended = false;
    const done = sd.shutdown().then(() => {
      ended = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(ended).toBe(false);
    fake.emit('SIGINT');
    await vi.advanceTimersByTimeAsync(1);
    expect(ended).toBe(true);
    await done;
    expect(exits).toEqual([130]);
  });

  it('a hook that ended well has no `error` key in its result', async () => {
    const { sd } = harness();
    sd.onShutdown('fine', () => {});
    const report = await sd.shutdown();
    expect(report.hooks[0]).toEqual({
      name: 'fine',
      priority: 100,
      status: 'ok',
      durationMs: 0,
      startMs: 0,
    });
    expect('error' in report.hooks[0]!).toBe(false);
  });

  it('a thenable that is not a promise is awaited; null and a `then` that is no function are not', async () => {
    const { sd, log } = harness({ timeout: 5000 });
    const later = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable, on purpose
      then(resolve: () => void) {
        setTimeout(() => {
          log.push('thenable settled');
          resolve();
        }, 100);
      },
    };
    sd.onShutdown('thenable', () => later as unknown as Promise<void>, { priority: 3 });
    sd.onShutdown('null', () => null as never, { priority: 2 });
    // biome-ignore lint/suspicious/noThenProperty: not a thenable, on purpose
    sd.onShutdown('odd', () => ({ then: 5 }) as never, { priority: 2 });
    sd.on('hook:start', ({ name }) => log.push(`start ${name}`));
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(200);
    const report = await done;
    expect(log).toEqual(['start thenable', 'thenable settled', 'start null', 'start odd']);
    expect(report.hooks.map((h) => [h.name, h.status, h.durationMs])).toEqual([
      ['thenable', 'ok', 100],
      ['null', 'ok', 0],
      ['odd', 'ok', 0],
    ]);
  });

  it('a hook may hand ctx.signal to many operations without a listener-leak warning', async () => {
    vi.useRealTimers(); // Node emits the warning on a later tick
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const { sd } = harness();
      sd.onShutdown('many', (ctx) => {
        for (let i = 0; i < 50; i++) ctx.signal.addEventListener('abort', () => {});
      });
      await sd.shutdown();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("a share of the time left never overrides a hook's own timeout", async () => {
    const { sd } = harness({ timeout: 8000 });
    const events: TimeoutEvent[] = [];
    sd.on('timeout', (e) => events.push(e));
    sd.onShutdown('drain-like', waitForAbort, {
      timeout: 1000,
      [HOOK_TRAITS]: { share: 0.75 },
    } as HookOptions);
    sd.onShutdown('after', () => {}, { priority: Priority.RESOURCE });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual([{ name: 'drain-like', timeout: 1000, global: false }]);
    await done;
  });

  it('without a timeout of its own, a hook with a share gets that share of the time left', async () => {
    const { sd } = harness({ timeout: 8000 });
    const events: TimeoutEvent[] = [];
    sd.on('timeout', (e) => events.push(e));
    sd.onShutdown('drain-like', waitForAbort, { [HOOK_TRAITS]: { share: 0.75 } } as HookOptions);
    sd.onShutdown('after', () => {}, { priority: Priority.RESOURCE });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(6000);
    expect(events).toEqual([{ name: 'drain-like', timeout: 6000, global: false }]);
    expect((await done).hooks.map((h) => h.status)).toEqual(['timeout', 'ok']);
  });

  it("a hook's own delay comes before its share, and the share is of the time left after it", async () => {
    const { sd } = harness({ timeout: 8000 });
    const events: TimeoutEvent[] = [];
    sd.on('timeout', (e) => events.push(e));
    sd.onShutdown('drain-like', waitForAbort, {
      [HOOK_TRAITS]: { share: 0.75, delay: 2000 },
    } as HookOptions);
    sd.onShutdown('after', () => {}, { priority: Priority.RESOURCE });
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(6500);
    expect(events).toEqual([{ name: 'drain-like', timeout: 6500, global: false }]);
    expect((await done).hooks.map((h) => h.status)).toEqual(['timeout', 'ok']);
  });

  it('as the last group, a hook with a share may use all the time left', async () => {
    const { sd } = harness({ timeout: 8000 });
    sd.onShutdown('drain-like', waitForAbort, { [HOOK_TRAITS]: { share: 0.75 } } as HookOptions);
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(7000);
    expect(sd.state).toBe('draining');
    await vi.advanceTimersByTimeAsync(1000);
    expect((await done).timedOut).toBe(true);
  });
});
