import { describe, expect, it, vi } from 'vitest';
import { HOOK_TRAITS } from '../../src/core/registry.js';
import { createShutdown, ShutdownInProgressError, setReady } from '../../src/index.js';
import { createFakeProcess, replaceDefaultShutdown } from '../../src/testing/index.js';
import { deferred, harness } from './helpers.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** An instance whose shutdown (started by SIGTERM) waits on `gate`; `started` counts shutdowns. */
function shuttingDownOnSigterm() {
  const { sd, fake } = harness();
  const gate = deferred();
  sd.onShutdown('h', () => gate.promise);
  const started = vi.fn();
  sd.on('shutdown', started);
  fake.emit('SIGTERM');
  return { sd, fake, gate, started };
}

describe('configure()', () => {
  it('while listening, listens again on the new signals at once', () => {
    const { sd, fake } = harness();
    sd.onShutdown('h', () => {});
    sd.configure({ signals: ['SIGHUP'] });
    expect(fake.listenerCount('SIGHUP')).toBe(1);
    expect(fake.listenerCount('SIGTERM')).toBe(0);
  });

  it('while not listening, adds no listener', () => {
    const { sd, fake } = harness();
    sd.configure({ signals: ['SIGHUP'] });
    expect(fake.eventNames()).toEqual([]);
  });

  it('right after the last hook was unregistered, still gives the process its defaults back', async () => {
    const { sd, fake } = harness();
    const off = sd.onShutdown('h', () => {});
    off();
    sd.configure({ timeout: 1000 });
    await nextTurn();
    expect(fake.eventNames()).toEqual([]);
  });

  it('names `options` and `configure()` in its errors', async () => {
    const { sd } = harness();
    expect(() => sd.configure(5 as never)).toThrow('Expected `options` to be an object, got 5');
    void sd.shutdown();
    expect(() => sd.configure({})).toThrow(ShutdownInProgressError);
    expect(() => sd.configure({})).toThrow('Cannot register "configure()"');
    expect(() => sd.shutdown('x' as never)).toThrow('Expected `options` to be an object, got "x"');
  });
});

describe('listening', () => {
  it('a shutdown started by hand listens while it runs, so a signal then is not fatal', async () => {
    const { sd, fake } = harness({ delay: 50 });
    void sd.shutdown();
    expect(fake.listenerCount('SIGTERM')).toBe(1);
    expect(fake.listenerCount('SIGINT')).toBe(1);
    await sd.shutdown();
    expect(fake.eventNames()).toEqual([]);
  });

  it('install() listens with no hook registered', () => {
    const { sd, fake } = harness();
    sd.install();
    expect(fake.listenerCount('SIGTERM')).toBe(1);
    expect(fake.listenerCount('exit')).toBe(1);
  });

  it('a removal pending at the end of the turn is called off by what happened meanwhile', async () => {
    // A hook registered again, install() by hand, or a shutdown that began: the listeners stay.
    const cases = {
      registered: (sd: ReturnType<typeof harness>['sd']) => void sd.onShutdown('again', () => {}),
      installed: (sd: ReturnType<typeof harness>['sd']) => void sd.install(),
      'shutting down': (sd: ReturnType<typeof harness>['sd']) => void sd.shutdown(),
    };
    for (const [name, meanwhile] of Object.entries(cases)) {
      const { sd, fake } = harness({ delay: 50 });
      sd.onShutdown('h', () => {})();
      meanwhile(sd);
      await nextTurn();
      expect([name, fake.listenerCount('SIGTERM')]).toEqual([name, 1]);
    }
  });

  it('an instance that ends the process through a function of its own gives the listeners back when done', async () => {
    const { sd, fake, exits } = harness();
    sd.onShutdown('h', () => {});
    await sd.shutdown();
    expect(exits).toEqual([0]);
    expect(fake.eventNames()).toEqual([]);
  });

  it('a signal after the shutdown is over does nothing', async () => {
    const fake = createFakeProcess();
    const sd = createShutdown({ process: fake, exit: () => {}, forceSignals: ['SIGTERM'] });
    const forced = vi.fn();
    sd.on('force', forced);
    sd.install();
    fake.emit('SIGTERM');
    await new Promise((resolve) => sd.once('done', resolve));
    // Still listening: it was installed by hand.
    fake.emit('SIGTERM');
    fake.emit('SIGTERM');
    expect(forced).not.toHaveBeenCalled();
    expect(sd.state).toBe('stopped');
  });

  it('the event loop emptying with no hook registered starts nothing', () => {
    const { sd, fake } = harness();
    sd.install();
    fake.emit('beforeExit', 0);
    expect(sd.state).toBe('running');
  });

  it('the event loop emptying during a shutdown starts no second one', async () => {
    const { sd, fake, gate, started } = shuttingDownOnSigterm();
    fake.emit('beforeExit', 0);
    gate.resolve();
    const report = await sd.shutdown();
    expect(report.reason).toBe('SIGTERM');
    expect(started).toHaveBeenCalledTimes(1);
  });
});

describe('readiness', () => {
  it('a later setReady() wins over a promise still pending, whichever way it settles', async () => {
    const { sd } = harness();
    const slow = deferred();
    sd.setReady(slow.promise);
    expect(sd.isReady()).toBe(false);
    sd.setReady(false);
    slow.resolve();
    await slow.promise;
    await nextTurn();
    expect(sd.isReady()).toBe(false);

    const next = deferred();
    sd.setReady(next.promise);
    next.resolve();
    await nextTurn();
    expect(sd.isReady()).toBe(true);
  });
});

describe('errors of the application', () => {
  it('a throwing `shutdown` listener is printed as an uncaught exception and fails the exit code', async () => {
    const { sd, fake } = harness();
    sd.on('shutdown', () => {
      throw new Error('listener bug');
    });
    sd.onShutdown('h', () => {});
    const report = await sd.shutdown();
    expect(report.exitCode).toBe(1);
    expect(report.error).toEqual(new Error('listener bug'));
    expect(fake.stderr.output).toContain('Error: listener bug');
  });

  it('a crash during the shutdown joins it: same report, exit code 1', async () => {
    const { sd, fake, gate, started } = shuttingDownOnSigterm();
    fake.emit('uncaughtException', new Error('late crash'));
    gate.resolve();
    const report = await sd.shutdown();
    expect(report.reason).toBe('SIGTERM');
    expect(report.exitCode).toBe(1);
    expect(started).toHaveBeenCalledTimes(1);
  });

  it('a crash before any shutdown starts one, reason uncaughtException, exit code 1', async () => {
    const { sd, fake, exits } = harness();
    sd.onShutdown('h', () => {});
    fake.emit('uncaughtException', new Error('crash'));
    const report = await sd.shutdown();
    expect([report.reason, report.exitCode, exits]).toEqual(['uncaughtException', 1, [1]]);
  });

  it('rejects a hook that is null with the same message as any other bad hook', () => {
    const { sd } = harness();
    expect(() => sd.onShutdown('h', null as never)).toThrow(
      'Expected `hook` to be a function, an AsyncDisposable or a Disposable, got null',
    );
  });
});

describe('the shutdown signal', () => {
  it('takes any number of listeners without a leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const { sd } = harness();
      for (let i = 0; i < 50; i++) sd.signal.addEventListener('abort', () => {});
      await sd.shutdown();
      await nextTurn();
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('[Symbol.asyncDispose]', () => {
  it('waits for a shutdown in progress, and returns at once without one', async () => {
    const { sd } = harness();
    await sd[Symbol.asyncDispose]();
    const gate = deferred();
    sd.onShutdown('h', () => gate.promise);
    void sd.shutdown();
    let disposed = false;
    const disposing = sd[Symbol.asyncDispose]().then(() => {
      disposed = true;
    });
    await nextTurn();
    expect(disposed).toBe(false);
    gate.resolve();
    await disposing;
    expect(sd.state).toBe('stopped');
  });
});

describe('the run', () => {
  it('a hook that returns no promise has finished before the next hook of its group starts', async () => {
    const { sd } = harness();
    const events: string[] = [];
    sd.on('hook:start', ({ name }) => events.push(`start ${name}`));
    sd.on('hook:end', ({ name }) => events.push(`end ${name}`));
    sd.onShutdown('a', () => {});
    sd.onShutdown('b', (() => 'not a promise') as () => void);
    await sd.shutdown();
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('awaits a function that has a then() method, like any thenable', async () => {
    const { sd } = harness();
    const thenable = Object.assign(() => {}, {
      // biome-ignore lint/suspicious/noThenProperty: a thenable that is a function, on purpose
      then: (resolve: () => void) => setTimeout(resolve, 30),
    });
    sd.onShutdown('h', () => thenable as never);
    const report = await sd.shutdown();
    expect(report.hooks[0]!.durationMs).toBeGreaterThanOrEqual(25);
  });

  it('accepts the exit codes 0 and 255 and nothing outside them', async () => {
    for (const exitCode of [0, 255]) {
      const { sd } = harness();
      expect((await sd.shutdown({ exitCode })).exitCode).toBe(exitCode);
    }
    const { sd } = harness();
    for (const exitCode of [-1, 256, 1.5]) {
      expect(() => sd.shutdown({ exitCode })).toThrow(
        `Expected \`exitCode\` to be an integer from 0 to 255, got ${exitCode}`,
      );
    }
  });
});

describe('odds and ends', () => {
  it('refuses a process that is not an object with on() and off()', () => {
    const callable = Object.assign(() => {}, { on() {}, off() {} });
    for (const bad of [callable, { on: 1, off() {} }, { on() {}, off: 1 }]) {
      expect(() => createShutdown({ process: bad as never })).toThrow(
        'Expected `process` to have on() and off() methods',
      );
    }
  });

  it('the hook traits travel under a symbol shared by every copy of the package', () => {
    expect(HOOK_TRAITS).toBe(Symbol.for('shutdown-hooks.traits.v0'));
  });

  it('setReady() of the module acts on the process-wide instance', async () => {
    const test = replaceDefaultShutdown();
    try {
      setReady(false);
      expect(test.shutdown.isReady()).toBe(false);
      setReady();
      expect(test.shutdown.isReady()).toBe(true);
    } finally {
      test.restore();
    }
  });
});
