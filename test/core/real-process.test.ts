import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import createDebug from 'debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { log as debugLog, loadDebug } from '../../src/core/debug.js';
import { REPORT_FILE_ENV } from '../../src/core/report-file.js';
import { createShutdown, type ShutdownOptions, type ShutdownReport } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

// Instances on this test process itself, for what only the real `process` has: the IPC channel to
// the test runner, `getActiveResourcesInfo()`, the report file. They never end the process, never
// listen for errors (the runner owns those), and take their listeners away when done; a test
// calls the listener an instance added rather than emitting on the runner's process.
type Listener = (...args: unknown[]) => void;

const quiet = {
  exit: false,
  handleErrors: false,
  naturalExit: false,
  signals: ['SIGUSR2'],
} satisfies ShutdownOptions;

/** The listeners an instance adds to `event` on the real process while `install` runs. */
function added(event: string, install: () => void): Listener[] {
  const before = process.listeners(event as 'message');
  install();
  return process.listeners(event as 'message').filter((l) => !before.includes(l)) as Listener[];
}

const instances: { uninstall(): unknown }[] = [];
function real(options: Omit<ShutdownOptions, 'process'> = {}) {
  const sd = createShutdown({ ...quiet, ...options, process });
  instances.push(sd);
  return sd;
}
afterEach(() => {
  for (const sd of instances.splice(0)) sd.uninstall();
});

describe('on the real process', () => {
  it('shuts down on the IPC message "shutdown" when shutdownMessage is on, and only then', async () => {
    const sd = real({ shutdownMessage: true });
    const [listener, ...more] = added('message', () => sd.install());
    expect(more).toEqual([]);
    listener!('not for us');
    listener!({ shutdown: true });
    expect(sd.state).toBe('running');
    listener!('shutdown');
    expect(sd.state).toBe('draining');
    const report = await sd.shutdown();
    expect(report.reason).toBe('shutdown');
    // A second message during the shutdown changes nothing.
    listener!('shutdown');
    expect(process.listeners('message')).not.toContain(listener);

    expect(added('message', () => real({ shutdownMessage: false }).install())).toEqual([]);
    // Off by default: listening for messages keeps the IPC channel open.
    expect(added('message', () => real().install())).toEqual([]);
    const fake = createFakeProcess();
    createShutdown({ ...quiet, process: fake, shutdownMessage: true }).install();
    expect(fake.listenerCount('message')).toBe(0);
  });

  it.runIf(process.channel)(
    'watches the IPC channel to its parent unless disconnect is off; a fake process has none',
    () => {
      const sd = real();
      const [listener, ...more] = added('disconnect', () => sd.install());
      expect(more).toEqual([]);
      sd.uninstall();
      expect(process.listeners('disconnect')).not.toContain(listener);
      expect(added('disconnect', () => real({ disconnect: false }).install())).toEqual([]);
      const fake = createFakeProcess();
      createShutdown({ ...quiet, process: fake }).install();
      expect(fake.listenerCount('disconnect')).toBe(0);
    },
  );

  it.runIf(process.channel)(
    'carries on when the channel closes but the parent is still there (it disconnected on purpose)',
    async () => {
      const sd = real();
      const [listener] = added('disconnect', () => sd.install());
      vi.useFakeTimers();
      try {
        listener!();
        expect(sd.state).toBe('running');
        // It looks again five times, 20 ms apart, in case the parent's death is not visible yet.
        await vi.advanceTimersByTimeAsync(99);
        expect(vi.getTimerCount()).toBe(1);
        await vi.advanceTimersByTimeAsync(1);
        expect(vi.getTimerCount()).toBe(0);
        expect(sd.state).toBe('running');
      } finally {
        vi.useRealTimers();
      }
      // The parent's death itself is seen by the real-process tests (test/process/supervise.process.test.ts).
    },
  );

  it('counts what holds the process open when the global timeout passes', async () => {
    const sd = real({ timeout: 50 });
    const timers = [setTimeout(() => {}, 10_000), setTimeout(() => {}, 10_000)];
    try {
      sd.onShutdown('hangs', () => new Promise(() => {}));
      const report = await sd.shutdown();
      expect(report.timedOut).toBe(true);
      const counts = report.activeResources!;
      expect(counts.Timeout).toBeGreaterThanOrEqual(2);
      for (const n of Object.values(counts)) expect(Number.isInteger(n) && n > 0).toBe(true);
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
    const ontime = real();
    ontime.onShutdown('quick', () => {});
    expect(await ontime.shutdown()).not.toHaveProperty('activeResources');
    const fake = createShutdown({ ...quiet, timeout: 50, process: createFakeProcess() });
    fake.onShutdown('hangs', () => new Promise(() => {}));
    const faked = await fake.shutdown();
    expect(faked.timedOut).toBe(true);
    expect(faked).not.toHaveProperty('activeResources');
  });
});

describe('the report file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-report-'));
  const file = join(dir, 'report.json');
  afterEach(() => {
    delete process.env[REPORT_FILE_ENV];
    rmSync(file, { force: true });
  });

  it('is written as JSON when the environment names one, errors as name, message and code', async () => {
    expect(REPORT_FILE_ENV).toBe('SHUTDOWN_HOOKS_REPORT_FILE');
    process.env[REPORT_FILE_ENV] = file;
    const sd = real();
    sd.onShutdown('coded', () => {
      throw Object.assign(new TypeError('bad pool'), { code: 'E_POOL' });
    });
    sd.onShutdown('plain', () => {
      throw new Error('plain failure');
    });
    await sd.shutdown({ reason: 'rehearsal' });
    const written = JSON.parse(readFileSync(file, 'utf8')) as ShutdownReport;
    expect(written.reason).toBe('rehearsal');
    expect(written.exitCode).toBe(1);
    expect(written.hooks.map((h) => h.error)).toEqual([
      { name: 'TypeError', message: 'bad pool', code: 'E_POOL' },
      { name: 'Error', message: 'plain failure' },
    ]);
  });

  it('is not written for an instance on a fake process, nor without the variable', async () => {
    process.env[REPORT_FILE_ENV] = file;
    await createShutdown({ ...quiet, process: createFakeProcess() }).shutdown();
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    delete process.env[REPORT_FILE_ENV];
    await real().shutdown();
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('a file that cannot be written costs the shutdown nothing', async () => {
    process.env[REPORT_FILE_ENV] = join(dir, 'missing', 'report.json');
    const report = await real().shutdown();
    expect(report.exitCode).toBe(0);
  });
});

describe('other owners of the signals', () => {
  const original = debugLog.signals.log;
  afterEach(() => {
    debugLog.signals.log = original;
    createDebug.disable();
  });

  // On a main thread: an instance in a worker thread listens to its supervisor, not to signals.
  it.runIf(isMainThread)(
    'are named through debug at install and when the signal arrives',
    async () => {
      createDebug.enable('shutdown-hooks:*');
      await loadDebug();
      const lines: string[] = [];
      debugLog.signals.log = (...args: unknown[]) => void lines.push(format(...args));
      function appOwnStop() {}
      const anonymous = [() => {}][0]!;
      process.on('SIGUSR2', appOwnStop);
      process.on('SIGUSR2', anonymous);
      try {
        // Nobody else listens to SIGWINCH: nothing is said about it.
        const sd = real({ signals: ['SIGUSR2', 'SIGWINCH'] });
        const [ours] = added('SIGUSR2', () => sd.install());
        const said = (text: string) => lines.filter((line) => line.endsWith(text)).length;
        // Whatever else listens in this process (the test runner may) is named too.
        const names = process
          .listeners('SIGUSR2')
          .filter((listener) => listener !== ours)
          .map((listener) => listener.name || 'anonymous');
        expect(names.slice(-2)).toEqual(['appOwnStop', 'anonymous']);
        const others = `${names.length} other SIGUSR2 listener(s): ${names.join(', ')}`;
        expect(said(`at install: ${others}`)).toBe(1);
        ours!('SIGUSR2');
        expect(said(`when SIGUSR2 arrived: ${others}`)).toBe(1);
        expect(sd.state).toBe('draining');
        expect(lines.filter((line) => line.includes('SIGWINCH'))).toEqual([]);
      } finally {
        process.off('SIGUSR2', appOwnStop);
        process.off('SIGUSR2', anonymous);
      }
    },
  );
});
