// Behaviours a user relies on that a small slip in the code would break unnoticed: each test here
// pins one of them down.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TimeoutEvent } from '../../src/index.js';
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
});
