import { describe, expect, it } from 'vitest';
import { Priority } from '../../src/index.js';
import { harness } from './helpers.js';

describe('resources as hooks', () => {
  it('an AsyncDisposable is disposed as the hook, in priority order', async () => {
    const { sd, log } = harness();
    const pool = {
      async [Symbol.asyncDispose]() {
        await Promise.resolve();
        log.push('pool ended');
      },
    };
    sd.onShutdown('pool', pool, { priority: Priority.RESOURCE });
    sd.onShutdown('flush', () => void log.push('flushed'));
    const report = await sd.shutdown();
    expect(log).toEqual(['flushed', 'pool ended']);
    expect(report.hooks).toMatchObject([
      { name: 'flush', status: 'ok' },
      { name: 'pool', priority: Priority.RESOURCE, status: 'ok' },
    ]);
  });

  it('a Disposable is disposed; Symbol.asyncDispose wins when both are there', async () => {
    const { sd, log } = harness();
    sd.onShutdown('file', {
      [Symbol.dispose]() {
        log.push('file closed');
      },
    });
    sd.onShutdown('both', {
      [Symbol.dispose]() {
        log.push('sync dispose');
      },
      async [Symbol.asyncDispose]() {
        log.push('async dispose');
      },
    });
    await sd.shutdown();
    expect(log).toEqual(['file closed', 'async dispose']);
  });

  it('a dispose that throws lands in the report like any hook error', async () => {
    const { sd } = harness();
    sd.onShutdown('broken', {
      [Symbol.dispose]() {
        throw new Error('already closed');
      },
    });
    const report = await sd.shutdown();
    expect(report.hooks).toMatchObject([{ name: 'broken', status: 'error' }]);
    expect((report.hooks[0]!.error as Error).message).toBe('already closed');
    expect(report.exitCode).toBe(1);
  });

  it('refuses what is neither a function nor a disposable, naming it', () => {
    const { sd } = harness();
    expect(() => sd.onShutdown('x', { close() {} } as never)).toThrow(
      /`hook` to be a function, an AsyncDisposable or a Disposable, got an object/,
    );
    expect(() => sd.onShutdown('x', null as never)).toThrow(/got null/);
    expect(() => sd.onShutdown('x', 'close' as never)).toThrow(/got "close"/);
  });
});
