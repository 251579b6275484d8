import { describe, expect, it } from 'vitest';
import { ShutdownForcedError, ShutdownStartedError } from '../../src/index.js';
import { deferred, harness } from './helpers.js';

describe('once', () => {
  it('a second shutdown() returns the same promise and hooks run once', async () => {
    const { sd, exits } = harness();
    let runs = 0;
    sd.onShutdown('count', () => {
      runs += 1;
    });
    const first = sd.shutdown();
    const second = sd.shutdown({ exitCode: 9 });
    expect(second).toBe(first);
    await first;
    expect(await sd.shutdown()).toBe(await first);
    expect(runs).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('a repeated signal forces exit 128 + n and names the hooks still running', async () => {
    const { sd, fake, exits } = harness();
    const forced: unknown[] = [];
    sd.on('force', (e) => forced.push(e));
    const gate = deferred();
    let abortedWith: unknown;
    sd.onShutdown('stuck', async (ctx) => {
      ctx.signal.addEventListener('abort', () => {
        abortedWith = ctx.signal.reason;
      });
      await gate.promise;
    });
    sd.onShutdown('never-started', () => {}, { priority: -1 });
    fake.emit('SIGINT');
    await new Promise((r) => setImmediate(r));
    fake.emit('SIGINT');
    const report = await sd.shutdown();
    expect(forced).toEqual([{ signal: 'SIGINT', running: ['stuck'], exitCode: 130 }]);
    expect(abortedWith).toBeInstanceOf(ShutdownForcedError);
    expect(report.exitCode).toBe(130);
    expect(report.hooks.map((h) => h.status)).toEqual(['error', 'skipped']);
    expect((report.hooks[0]!.error as ShutdownForcedError).code).toBe('ERR_SHUTDOWN_FORCED');
    expect(exits).toEqual([130]);
  });

  it('a repeated SIGTERM carries on by default: other code re-raising it must not cut the drain', async () => {
    const { sd, fake, exits } = harness();
    const forced: unknown[] = [];
    sd.on('force', (e) => forced.push(e));
    const gate = deferred();
    sd.onShutdown('drain', () => gate.promise);
    fake.emit('SIGTERM');
    fake.emit('SIGTERM');
    fake.emit('SIGTERM');
    gate.resolve();
    const report = await sd.shutdown();
    expect(forced).toEqual([]);
    expect(report.hooks.map((h) => h.status)).toEqual(['ok']);
    expect(exits).toEqual([0]);
  });

  it('forceSignals decides which repeated signals force: SIGTERM too, when asked', async () => {
    const { sd, fake, exits } = harness({ forceSignals: ['SIGINT', 'SIGTERM'] });
    sd.onShutdown('stuck', () => new Promise(() => {}));
    fake.emit('SIGTERM');
    fake.emit('SIGTERM');
    expect((await sd.shutdown()).exitCode).toBe(143);
    expect(exits).toEqual([143]);
  });

  it('signalExitCodes: a clean shutdown after SIGINT exits 130 when asked, else 0', async () => {
    const shell = harness({ signalExitCodes: ['SIGINT'] });
    shell.sd.onShutdown('h', () => {});
    shell.fake.emit('SIGINT');
    expect((await shell.sd.shutdown()).exitCode).toBe(130);
    const term = harness({ signalExitCodes: ['SIGINT'] });
    term.sd.onShutdown('h', () => {});
    term.fake.emit('SIGTERM');
    expect((await term.sd.shutdown()).exitCode).toBe(0);
    const plain = harness();
    plain.sd.onShutdown('h', () => {});
    plain.fake.emit('SIGINT');
    expect((await plain.sd.shutdown()).exitCode).toBe(0);
    const failing = harness({ signalExitCodes: ['SIGINT'] });
    failing.sd.onShutdown('h', () => {
      throw new Error('x');
    });
    failing.fake.emit('SIGINT');
    expect((await failing.sd.shutdown()).exitCode).toBe(130);
  });

  it('a signal starts the shutdown with the signal as reason', async () => {
    const { sd, fake } = harness();
    const reasons: unknown[] = [];
    sd.on('shutdown', (r) => reasons.push(r));
    sd.onShutdown('h', () => {});
    fake.emit('SIGTERM');
    expect(sd.isShuttingDown()).toBe(true);
    expect(sd.signal.reason).toBeInstanceOf(ShutdownStartedError);
    expect(sd.signal.reason).toMatchObject({
      name: 'AbortError',
      code: 'ERR_SHUTDOWN_STARTED',
      reason: 'SIGTERM',
    });
    expect(() => sd.signal.throwIfAborted()).toThrow(/Shutdown started \(SIGTERM\)/);
    const report = await sd.shutdown();
    expect(report.reason).toBe('SIGTERM');
    expect(reasons).toEqual(['SIGTERM']);
  });
});
