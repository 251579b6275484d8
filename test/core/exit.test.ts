import { once } from 'node:events';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { flushStdio, watchStdioOnBun } from '../../src/core/exit.js';
import { HOOK_TRAITS } from '../../src/core/registry.js';
import { preloadWatchdog, startWatchdog } from '../../src/core/watchdog.js';
import { drainHttp } from '../../src/http/index.js';
import { createShutdown, type ShutdownOptions, type ShutdownReport } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

// `exit: true`, the default: the instance ends the process itself. Here `process.exit` is a spy
// and the watchdog thread a stub that records how it was started; the process is a fake.
vi.mock('../../src/core/watchdog.js', () => ({
  WATCHDOG_GRACE_MS: 1000,
  preloadWatchdog: vi.fn(),
  startWatchdog: vi.fn(() => ({ stop: vi.fn() })),
}));

let exit: MockInstance<typeof process.exit>;
beforeEach(() => {
  exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  vi.mocked(startWatchdog).mockClear();
  vi.mocked(preloadWatchdog).mockClear();
});
afterEach(() => {
  exit.mockRestore();
});

function exiting(options: Omit<ShutdownOptions, 'process' | 'exit'> = {}) {
  const fake = createFakeProcess();
  const sd = createShutdown({ ...options, process: fake, exit: true });
  const done = new Promise<ShutdownReport>((resolve) => sd.once('done', resolve));
  return { sd, fake, done };
}

const exited = () => vi.waitFor(() => expect(exit).toHaveBeenCalledTimes(1));

/**
 * Makes stdout look busy until `flush()`: its write callback is held back. `queued` says whether
 * its own queue shows it (a stream writing to a slow pipe) or not (a `write` replaced by one that
 * writes elsewhere, as PM2's is).
 */
function holdStdout({ queued = true } = {}) {
  let release: (() => void) | undefined;
  Object.defineProperty(process.stdout, 'writableLength', {
    value: queued ? 64 : 0,
    configurable: true,
  });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(((
    _chunk: unknown,
    _encoding: unknown,
    callback?: () => void,
  ) => {
    release = callback;
    return false;
  }) as never);
  return {
    /** Whether the exit path has asked stdout to flush. */
    asked: () => release !== undefined,
    flush: () => release?.(),
    restore: () => {
      write.mockRestore();
      delete (process.stdout as { writableLength?: number }).writableLength;
    },
  };
}

describe('exit: true', () => {
  it('ends the process with the report exit code', async () => {
    const { sd, fake, done } = exiting();
    sd.onShutdown('fails', () => {
      throw new Error('boom');
    });
    fake.emit('SIGTERM');
    expect((await done).exitCode).toBe(1);
    await exited();
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('keeps the signal listeners until the process is gone, and drops the error listeners first', async () => {
    const { sd, fake, done } = exiting();
    sd.onShutdown('h', () => {});
    fake.emit('SIGTERM');
    await done;
    await exited();
    expect(exit).toHaveBeenCalledWith(0);
    expect(fake.listenerCount('SIGTERM')).toBe(1);
    expect(fake.listenerCount('SIGINT')).toBe(1);
    expect(fake.listenerCount('uncaughtException')).toBe(0);
    expect(fake.listenerCount('unhandledRejection')).toBe(0);
    // A signal arriving while stdout flushes finds the shutdown over and does nothing.
    fake.emit('SIGINT');
    fake.emit('SIGINT');
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it('a repeat of the starting signal after the shutdown is over forces nothing', async () => {
    const { sd, fake, done } = exiting();
    const forced = vi.fn();
    sd.on('force', forced);
    sd.onShutdown('h', () => {});
    fake.emit('SIGINT');
    await done;
    await exited();
    fake.emit('SIGINT');
    await new Promise((r) => setImmediate(r));
    expect(forced).not.toHaveBeenCalled();
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits when it was not listening for errors at all', async () => {
    const { sd, fake, done } = exiting({ handleErrors: false });
    sd.onShutdown('h', () => {});
    expect(fake.listenerCount('uncaughtException')).toBe(0);
    fake.emit('SIGTERM');
    await done;
    await exited();
    expect(exit).toHaveBeenCalledWith(0);
  });

  it.each([
    ['queued on the stream', true],
    ['written through a replaced stdout.write, the stream showing nothing queued', false],
  ])('waits for stdout to be flushed before exiting: %s', async (_what, queued) => {
    const stdout = holdStdout({ queued });
    try {
      const { sd, done } = exiting({ flushTimeout: 10_000 });
      sd.onShutdown('h', () => {});
      void sd.shutdown();
      await done;
      await vi.waitFor(() => expect(stdout.asked()).toBe(true));
      expect(exit).not.toHaveBeenCalled();
      stdout.flush();
      await exited();
    } finally {
      stdout.restore();
    }
  });

  it('a forced exit does not wait for stdout', async () => {
    const stdout = holdStdout();
    try {
      const { sd, fake, done } = exiting({ flushTimeout: 10_000 });
      const forced = vi.fn();
      sd.on('force', forced);
      sd.onShutdown('hangs', () => new Promise(() => {}));
      const running = new Promise((resolve) => sd.once('hook:start', resolve));
      fake.emit('SIGINT');
      await running;
      fake.emit('SIGINT');
      // At once, before the emit returns: no turn of the event loop for the hooks still running.
      expect(exit).toHaveBeenCalledTimes(1);
      expect(exit).toHaveBeenCalledWith(130);
      expect(forced).toHaveBeenCalledWith({ signal: 'SIGINT', running: ['hangs'], exitCode: 130 });
      // The report still follows, and in a real process that exit would come too late to matter.
      expect((await done).exitCode).toBe(130);
      stdout.flush();
      await vi.waitFor(() => expect(exit).toHaveBeenCalledTimes(2));
    } finally {
      stdout.restore();
    }
  });
});

describe('the watchdog', () => {
  it('is loaded when the listeners go in, and started once per shutdown at the global deadline', async () => {
    const { sd, fake, done } = exiting({ timeout: 4000 });
    sd.onShutdown('a', () => {});
    expect(preloadWatchdog).toHaveBeenCalledTimes(1);
    expect(startWatchdog).not.toHaveBeenCalled();
    fake.emit('SIGTERM');
    const report = await done;
    expect(startWatchdog).toHaveBeenCalledTimes(1);
    // No platform for a fake process: the watchdog's full second of grace.
    expect(startWatchdog).toHaveBeenCalledWith(report.startedAt + 4000, 4000, fake.pid, 1000);
    const watchdog = vi.mocked(startWatchdog).mock.results[0]!.value as { stop: () => void };
    expect(watchdog.stop).toHaveBeenCalledTimes(1);
  });

  it('is armed before the delay, so a loop blocked during it is still ended', async () => {
    const { sd, done } = exiting({ delay: 50 });
    let started = false;
    sd.onShutdown('a', () => {
      started = true;
    });
    void sd.shutdown();
    // One turn of the event loop: the sequence has begun, and the 50 ms delay runs.
    await new Promise((resolve) => setImmediate(resolve));
    expect(startWatchdog).toHaveBeenCalledTimes(1);
    // Armed while the delay still runs: the hook after it has not started.
    expect(started).toBe(false);
    await done;
    await exited();
  });

  it('with no hook, is armed before the delay that holds the process', async () => {
    const { sd, done } = exiting({ delay: 50 });
    sd.install();
    void sd.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect(startWatchdog).toHaveBeenCalledTimes(1);
    await done;
    await exited();
    expect(startWatchdog).toHaveBeenCalledTimes(1);
  });

  it('is armed after the quick-start drains and before any other hook of their group', async () => {
    const { sd, done } = exiting();
    const seen: Record<string, number> = {};
    const calls = () => vi.mocked(startWatchdog).mock.calls.length;
    const record = (name: string) => () => {
      seen[name] = calls();
    };
    sd.onShutdown('drain', record('drain'), { [HOOK_TRAITS]: { quickStart: true } } as object);
    sd.onShutdown('other', record('other'));
    void sd.shutdown();
    await done;
    expect(seen).toEqual({ drain: 0, other: 1 });
  });

  it("is armed once drainHttp()'s hook has closed the listening socket: a drain starts quickly", async () => {
    const { sd, done } = exiting();
    const server = http.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    drainHttp(server, { shutdown: sd });
    let listeningWhenArmed: boolean | undefined;
    vi.mocked(startWatchdog).mockImplementationOnce(() => {
      listeningWhenArmed = server.listening;
      return { stop: vi.fn() };
    });
    void sd.shutdown();
    await done;
    expect(listeningWhenArmed).toBe(false);
  });

  it('is armed even with no hook to run, for the exit that follows', async () => {
    const { sd, done } = exiting();
    sd.install();
    void sd.shutdown();
    await done;
    expect(startWatchdog).toHaveBeenCalledTimes(1);
  });

  it('is never started when the instance does not end the process itself', async () => {
    for (const exitOption of [false, () => {}] as const) {
      const sd = createShutdown({ process: createFakeProcess(), exit: exitOption, delay: 5 });
      sd.onShutdown('a', () => {});
      await sd.shutdown();
    }
    expect(preloadWatchdog).not.toHaveBeenCalled();
    expect(startWatchdog).not.toHaveBeenCalled();
  });
});

/**
 * Puts a `write` of its own on `stream` (so that it may hold data, as PM2's replaced one does):
 * `'at once'` calls each write's callback, `'never'` holds it back, `'throws'` throws. `queued`
 * is what the stream's own queue shows. Returns the chunks written and a way to let them out.
 */
function own(
  stream: NodeJS.WriteStream,
  settle: 'at once' | 'never' | 'throws',
  { queued = 0, accepts = true } = {},
) {
  const chunks: string[] = [];
  const held: (() => void)[] = [];
  Object.defineProperty(stream, 'writableLength', { value: queued, configurable: true });
  vi.spyOn(stream, 'write').mockImplementation(((
    chunk: unknown,
    _encoding: unknown,
    callback?: () => void,
  ) => {
    if (settle === 'throws') throw new Error('EPIPE');
    chunks.push(String(chunk));
    if (callback && settle === 'at once') callback();
    else if (callback) held.push(callback);
    return accepts;
  }) as never);
  return {
    /** What was written other than the empty writes that ask for a flush. */
    lines: () => chunks.filter((chunk) => chunk !== ''),
    release: () => {
      for (const callback of held.splice(0)) callback();
    },
  };
}

/** Whether `promise` has settled once pending callbacks have run, without moving the clock. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('flushing stdout and stderr before the exit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    for (const stream of [process.stdout, process.stderr]) {
      vi.mocked(stream.write).mockRestore?.();
      delete (stream as { writableLength?: number }).writableLength;
    }
  });

  it('is over at once when neither stream holds anything, or when given no time', async () => {
    for (const stream of [process.stdout, process.stderr]) {
      Object.defineProperty(stream, 'writableLength', { value: 0, configurable: true });
      expect(Object.hasOwn(stream, 'write')).toBe(false);
    }
    expect(await settled(flushStdio(1000))).toBe(true);
    own(process.stdout, 'never', { queued: 64 });
    expect(await settled(flushStdio(0))).toBe(true);
  });

  it('waits until both streams have written what they hold', async () => {
    own(process.stdout, 'at once');
    const stderr = own(process.stderr, 'never');
    const flushed = flushStdio(1000);
    expect(await settled(flushed)).toBe(false);
    stderr.release();
    expect(await settled(flushed)).toBe(true);
    // Done in time: the timer is gone, and nothing is said.
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(stderr.lines()).toEqual([]);
  });

  it('takes a stream whose write throws as flushed: nothing more will come out of it', async () => {
    own(process.stdout, 'throws');
    own(process.stderr, 'at once');
    expect(await settled(flushStdio(1000))).toBe(true);
  });

  it.each([
    [64, 'up to 64 bytes not written'],
    [0, 'what they held may be lost'],
  ])(
    'says on stderr what may be lost when the time runs out (%d bytes queued)',
    async (queued, lost) => {
      own(process.stdout, 'never', { queued });
      const stderr = own(process.stderr, 'at once');
      const flushed = flushStdio(50);
      await vi.advanceTimersByTimeAsync(49);
      expect(await settled(flushed)).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await settled(flushed)).toBe(true);
      expect(stderr.lines()).toEqual([
        `shutdown-hooks: stdout not flushed within 50 ms (flushTimeout); exiting anyway, ${lost}\n`,
      ]);
    },
  );

  it('says nothing on a stderr that is itself stuck', async () => {
    own(process.stdout, 'never');
    const stderr = own(process.stderr, 'never');
    const flushed = flushStdio(50);
    await vi.advanceTimersByTimeAsync(50);
    expect(await settled(flushed)).toBe(true);
    expect(stderr.lines()).toEqual([]);
  });

  it("on Bun, waits for the 'drain' of a stream whose last write was refused", async () => {
    const kWatched = Symbol.for('shutdown-hooks.stdio-watched');
    const drains = process.stdout.listenerCount('drain');
    // Bun calls a write's callback at once, even while what came before it is still queued.
    const stdout = own(process.stdout, 'at once', { accepts: false });
    own(process.stderr, 'at once');
    try {
      watchStdioOnBun();
      watchStdioOnBun();
      // Once per process: one wrapper, one listener.
      expect(process.stdout.listenerCount('drain')).toBe(drains + 1);
      process.stdout.write('a line\n');
      expect(stdout.lines()).toEqual(['a line\n']);
      const flushed = flushStdio(1000);
      expect(await settled(flushed)).toBe(false);
      process.stdout.emit('drain');
      expect(await settled(flushed)).toBe(true);
      // Drained: the next flush does not wait for another 'drain'.
      expect(await settled(flushStdio(1000))).toBe(true);
    } finally {
      for (const stream of [process.stdout, process.stderr]) {
        const marked = stream as { [kWatched]?: true; write: unknown };
        delete marked[kWatched];
        // The wrapper watchStdioOnBun put in place of the spy.
        delete (marked as { write?: unknown }).write;
        for (const listener of stream.listeners('drain').slice(drains)) {
          stream.off('drain', listener as () => void);
        }
      }
    }
  });
});
