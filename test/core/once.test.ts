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

  it('SIGTERM then SIGTERM forces 143', async () => {
    const { sd, fake, exits } = harness();
    sd.onShutdown('stuck', () => new Promise(() => {}));
    fake.emit('SIGTERM');
    fake.emit('SIGTERM');
    expect((await sd.shutdown()).exitCode).toBe(143);
    expect(exits).toEqual([143]);
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
