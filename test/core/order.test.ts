import { describe, expect, it } from 'vitest';
import { Priority, ShutdownInProgressError } from '../../src/index.js';
import { deferred, harness } from './helpers.js';

describe('order', () => {
  it('runs higher priority first and the next priority only after the previous settled', async () => {
    const { sd, log } = harness();
    const server = deferred();
    sd.onShutdown('db', () => void log.push('db'), { priority: Priority.RESOURCE });
    sd.onShutdown('queue', () => void log.push('queue'));
    sd.onShutdown(
      'http',
      async () => {
        log.push('http:start');
        await server.promise;
        log.push('http:end');
      },
      { priority: Priority.SERVER },
    );
    sd.onShutdown('worker', () => void log.push('worker'), { priority: Priority.WORKER });
    const done = sd.shutdown();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['http:start']);
    server.resolve();
    const report = await done;
    expect(log).toEqual(['http:start', 'http:end', 'worker', 'queue', 'db']);
    expect(report.hooks.map((h) => h.name)).toEqual(['http', 'worker', 'queue', 'db']);
  });

  it('runs hooks of equal priority concurrently', async () => {
    const { sd, log } = harness();
    const gates = [deferred(), deferred(), deferred()];
    gates.forEach((gate, i) => {
      sd.onShutdown(`h${i}`, async () => {
        log.push(`start ${i}`);
        await gate.promise;
        log.push(`end ${i}`);
      });
    });
    const done = sd.shutdown();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start 0', 'start 1', 'start 2']);
    gates[2]!.resolve();
    gates[0]!.resolve();
    gates[1]!.resolve();
    await done;
    expect(log.slice(3)).toEqual(['end 2', 'end 0', 'end 1']);
  });

  it('keeps the order given by Priority: servers, workers, default, resources', () => {
    expect(Priority.SERVER).toBeGreaterThan(Priority.WORKER);
    expect(Priority.WORKER).toBeGreaterThan(Priority.DEFAULT);
    expect(Priority.DEFAULT).toBeGreaterThan(Priority.RESOURCE);
    expect(Object.isFrozen(Priority)).toBe(true);
  });

  it('defaults a hook to Priority.DEFAULT', async () => {
    const { sd } = harness();
    sd.onShutdown('plain', () => {});
    const report = await sd.shutdown();
    expect(report.hooks[0]!.priority).toBe(Priority.DEFAULT);
  });

  it('an unregistered hook does not run', async () => {
    const { sd, log } = harness();
    const off = sd.onShutdown('gone', () => void log.push('gone'));
    sd.onShutdown('kept', () => void log.push('kept'));
    off();
    off();
    const report = await sd.shutdown();
    expect(log).toEqual(['kept']);
    expect(report.hooks.map((h) => h.name)).toEqual(['kept']);
  });

  it('snapshots the list: registering during shutdown throws, unregistering changes nothing', async () => {
    const { sd, log } = harness();
    const gate = deferred();
    let offLater: () => void = () => {};
    sd.onShutdown(
      'first',
      async () => {
        await gate.promise;
      },
      { priority: 10 },
    );
    offLater = sd.onShutdown('second', () => void log.push('second'), { priority: 5 });
    const done = sd.shutdown();
    let thrown: unknown;
    try {
      sd.onShutdown('late', () => {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ShutdownInProgressError);
    expect((thrown as ShutdownInProgressError).code).toBe('ERR_SHUTDOWN_IN_PROGRESS');
    offLater();
    gate.resolve();
    const report = await done;
    expect(log).toEqual(['second']);
    expect(report.hooks.map((h) => h.name)).toEqual(['first', 'second']);
    expect(() => sd.onShutdown('after', () => {})).toThrow(ShutdownInProgressError);
  });
});

describe('scale', () => {
  it('10,000 hooks in 100 priorities run in priority order, each once', async () => {
    const { sd } = harness();
    const ran: number[] = [];
    for (let p = 0; p < 100; p++) {
      for (let i = 0; i < 100; i++)
        sd.onShutdown(`h${p}-${i}`, () => void ran.push(p), { priority: p });
    }
    const report = await sd.shutdown();
    expect(ran).toHaveLength(10_000);
    expect(ran).toEqual([...ran].sort((a, b) => b - a));
    expect(report.hooks.every((h) => h.status === 'ok')).toBe(true);
    expect(report.exitCode).toBe(0);
  });
});
