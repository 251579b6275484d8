import { describe, expect, it } from 'vitest';
import { HookFailedError } from '../../src/index.js';
import { harness } from './helpers.js';

describe('isolation and exit codes', () => {
  it('a hook that throws, rejects or rejects with a non-error never stops the others', async () => {
    const { sd, exits, log } = harness();
    const boom = new Error('sync boom');
    const nope = new Error('async nope');
    sd.onShutdown('throws', () => {
      throw boom;
    });
    sd.onShutdown('rejects', async () => {
      throw nope;
    });
    sd.onShutdown('rejects-string', () => Promise.reject('plain string'));
    sd.onShutdown('fine', () => void log.push('fine'));
    sd.onShutdown('after', () => void log.push('after'), { priority: -10 });
    const report = await sd.shutdown();
    expect(log).toEqual(['fine', 'after']);
    const byName = Object.fromEntries(report.hooks.map((h) => [h.name, h]));
    expect(byName.throws).toMatchObject({ status: 'error', error: boom });
    expect(byName.rejects).toMatchObject({ status: 'error', error: nope });
    expect(byName['rejects-string']!.error).toBeInstanceOf(HookFailedError);
    expect((byName['rejects-string']!.error as HookFailedError).cause).toBe('plain string');
    expect(byName.fine!.status).toBe('ok');
    expect(report.exitCode).toBe(1);
    expect(exits).toEqual([1]);
  });

  it('a clean shutdown exits 0, or with the code asked for', async () => {
    const a = harness();
    a.sd.onShutdown('ok', () => {});
    expect((await a.sd.shutdown()).exitCode).toBe(0);
    expect(a.exits).toEqual([0]);

    const b = harness();
    b.sd.onShutdown('ok', () => {});
    const report = await b.sd.shutdown({ exitCode: 3, reason: 'config reload' });
    expect(report).toMatchObject({ exitCode: 3, reason: 'config reload' });
    expect(b.exits).toEqual([3]);
  });

  it('a failed shutdown keeps a non-zero code asked for', async () => {
    const { sd } = harness();
    sd.onShutdown('bad', () => {
      throw new Error('x');
    });
    expect((await sd.shutdown({ exitCode: 4 })).exitCode).toBe(4);
  });

  it('runs with no hooks at all', async () => {
    const { sd, exits } = harness();
    const report = await sd.shutdown();
    expect(report).toMatchObject({ reason: 'manual', exitCode: 0, timedOut: false, hooks: [] });
    expect(exits).toEqual([0]);
  });

  it('exit: false never calls exit', async () => {
    const { createShutdown } = await import('../../src/index.js');
    const { createFakeProcess } = await import('../../src/testing/index.js');
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    sd.onShutdown('bad', () => {
      throw new Error('x');
    });
    const report = await sd.shutdown();
    expect(report.exitCode).toBe(1);
    expect(sd.state).toBe('stopped');
  });
});
