import { format } from 'node:util';
import createDebug from 'debug';
import { afterEach, describe, expect, it } from 'vitest';
import { log as debugLog, loadDebug } from '../../src/core/debug.js';
import { createShutdown, ShutdownInProgressError } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { harness } from './helpers.js';

const ALL = ['SIGTERM', 'SIGINT', 'uncaughtException', 'unhandledRejection', 'beforeExit', 'exit'];

describe('listeners', () => {
  it('adds nothing until the first hook, then every listener; uninstall removes them all', () => {
    const fake = createFakeProcess();
    const sd = createShutdown({ process: fake, exit: false });
    expect(fake.eventNames()).toEqual([]);
    sd.onShutdown('h', () => {});
    expect(fake.eventNames().sort()).toEqual([...ALL].sort());
    for (const event of ALL) expect(fake.listenerCount(event)).toBe(1);
    sd.onShutdown('h2', () => {});
    expect(fake.listenerCount('SIGTERM')).toBe(1);
    sd.uninstall();
    expect(fake.eventNames()).toEqual([]);
  });

  it('removes the listeners when the last hook unregisters, unless installed by hand', async () => {
    const fake = createFakeProcess();
    const sd = createShutdown({ process: fake, exit: false });
    const off = sd.onShutdown('h', () => {});
    off();
    // Removed once the current turn of the event loop is over, if nothing registered meanwhile.
    expect(fake.listenerCount('SIGTERM')).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(fake.eventNames()).toEqual([]);
    sd.install();
    const off2 = sd.onShutdown('h', () => {});
    off2();
    await new Promise((r) => setImmediate(r));
    expect(fake.listenerCount('SIGTERM')).toBe(1);
  });

  it('register and unregister in a loop: the listeners stay put, then go once, at the end', async () => {
    const fake = createFakeProcess();
    const added: string[] = [];
    const on = fake.on.bind(fake);
    fake.on = (event: string, listener: (...args: unknown[]) => void) => {
      added.push(event);
      return on(event, listener);
    };
    const sd = createShutdown({ process: fake, exit: false });
    for (let i = 0; i < 1000; i++) sd.onShutdown(`job ${i}`, () => {})();
    expect(added.filter((e) => e === 'SIGTERM')).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(fake.eventNames()).toEqual([]);
    // A registration after the removal installs them again.
    sd.onShutdown('again', () => {});
    expect(fake.listenerCount('SIGTERM')).toBe(1);
  });

  it('listens only to the configured signals and never to unsafe ones', () => {
    const fake = createFakeProcess();
    const sd = createShutdown({
      process: fake,
      exit: false,
      signals: ['SIGHUP'],
      handleErrors: false,
      naturalExit: false,
    });
    sd.install();
    expect(fake.eventNames().sort()).toEqual(['SIGHUP', 'exit']);
    for (const unsafe of ['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGKILL', 'SIGSTOP'] as const) {
      expect(() => createShutdown({ signals: [unsafe] })).toThrow(TypeError);
    }
  });

  it('handleErrors per event: one of the two can be left to other code', () => {
    const fake = createFakeProcess();
    createShutdown({
      process: fake,
      exit: false,
      handleErrors: { uncaughtException: false },
    }).install();
    expect(fake.listenerCount('uncaughtException')).toBe(0);
    expect(fake.listenerCount('unhandledRejection')).toBe(1);
    const other = createFakeProcess();
    createShutdown({
      process: other,
      exit: false,
      handleErrors: { unhandledRejection: false },
    }).install();
    expect(other.listenerCount('uncaughtException')).toBe(1);
    expect(other.listenerCount('unhandledRejection')).toBe(0);
  });

  it('removes its listeners once stopped', async () => {
    const { sd, fake } = harness();
    sd.onShutdown('h', () => {});
    await sd.shutdown();
    expect(fake.eventNames()).toEqual([]);
  });

  it('await using removes the listeners', async () => {
    const fake = createFakeProcess();
    {
      await using sd = createShutdown({ process: fake, exit: false });
      sd.onShutdown('h', () => {});
      expect(fake.listenerCount('SIGTERM')).toBe(1);
    }
    expect(fake.eventNames()).toEqual([]);
  });
});

describe('triggers', () => {
  it('an uncaught exception is printed, then shuts down gracefully with exit 1', async () => {
    const { sd, fake, exits, log } = harness();
    sd.onShutdown('h', () => void log.push('h'));
    const error = new Error('kaboom');
    fake.emit('uncaughtException', error);
    const report = await sd.shutdown();
    expect(report).toMatchObject({ reason: 'uncaughtException', exitCode: 1, error });
    expect(log).toEqual(['h']);
    expect(exits).toEqual([1]);
    expect(fake.stderr.output).toContain('Error: kaboom');
    expect(fake.stderr.output).toMatch(/\n\s+at /);
    expect(fake.stderr.output).toContain(`Node.js ${process.version}`);
  });

  it('an unhandled rejection (even of a non-error) shuts down with exit 1 and is printed', async () => {
    const { sd, fake, exits } = harness();
    sd.onShutdown('h', () => {});
    fake.emit('unhandledRejection', 'just a string', Promise.resolve());
    const report = await sd.shutdown();
    expect(report).toMatchObject({ reason: 'unhandledRejection', exitCode: 1 });
    expect(exits).toEqual([1]);
    expect(fake.stderr.output).toContain('rejected with the reason "\'just a string\'"');
  });

  it('an uncaught error during shutdown turns a clean exit into 1', async () => {
    const { sd, fake } = harness();
    sd.onShutdown('h', () => {
      fake.emit('uncaughtException', new Error('late'));
    });
    const report = await sd.shutdown();
    expect(report.hooks[0]!.status).toBe('ok');
    expect(report.exitCode).toBe(1);
    expect(fake.stderr.output).toContain('late');
  });

  it('runs the hooks when the event loop empties, keeping process.exitCode', async () => {
    const { sd, fake, exits, log } = harness();
    sd.onShutdown('h', () => void log.push('h'));
    fake.exitCode = 3;
    fake.emit('beforeExit', 3);
    const report = await sd.shutdown();
    expect(report).toMatchObject({ reason: 'beforeExit', exitCode: 3 });
    expect(log).toEqual(['h']);
    expect(exits).toEqual([3]);
  });

  it('leaves a natural exit alone when no hook is registered', () => {
    const { sd, fake } = harness();
    sd.install();
    fake.emit('beforeExit', 0);
    expect(sd.state).toBe('running');
  });

  it('naturalExit: false leaves a natural exit alone', () => {
    const fake = createFakeProcess();
    const sd = createShutdown({ process: fake, exit: false, naturalExit: false });
    sd.onShutdown('h', () => {});
    fake.emit('beforeExit', 0);
    expect(sd.state).toBe('running');
  });
});

describe('diagnostics', () => {
  const original = debugLog.core.log;
  afterEach(() => {
    debugLog.core.log = original;
    createDebug.disable();
  });

  it('names the hooks skipped when process.exit() is called directly', async () => {
    createDebug.enable('shutdown-hooks:*');
    await loadDebug();
    const lines: string[] = [];
    debugLog.core.log = (...args: unknown[]) => void lines.push(format(...args));
    const { sd, fake } = harness();
    sd.onShutdown('flush-queue', () => {});
    sd.onShutdown('close-db', () => {});
    fake.emit('exit', 2);
    expect(
      lines.some((l) => l.includes('process.exit(2)') && l.includes('flush-queue, close-db')),
    ).toBe(true);
  });

  it('says nothing of a direct process.exit() during a shutdown that has no hook to lose', async () => {
    const { sd, fake } = harness();
    sd.install();
    sd.on('shutdown', () => fake.emit('exit', 0));
    await sd.shutdown();
    expect(fake.stderr.output).toBe('');
  });

  it('writes nothing to stderr on a normal shutdown', async () => {
    const { sd, fake } = harness();
    sd.onShutdown('h', () => {
      throw new Error('hook errors go to the report, not the console');
    });
    await sd.shutdown();
    expect(fake.stderr.output).toBe('');
  });
});

describe('configure', () => {
  it('changes options before shutdown, moving listeners to new signals', async () => {
    const { sd, fake } = harness();
    sd.onShutdown('h', () => {});
    sd.configure({ signals: ['SIGHUP'], timeout: 1234 });
    expect(fake.listenerCount('SIGTERM')).toBe(0);
    expect(fake.listenerCount('SIGHUP')).toBe(1);
    expect(() => sd.configure({ delay: -1 })).toThrow(TypeError);
    fake.emit('SIGHUP');
    const report = await sd.shutdown();
    expect(report.reason).toBe('SIGHUP');
    expect(() => sd.configure({ timeout: 10 })).toThrow(ShutdownInProgressError);
  });
});
