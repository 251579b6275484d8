import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createShutdown } from '../../src/index.js';
import { supervise } from '../../src/process/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { script, spawnRuntime } from '../support/child.js';

const make = () => createShutdown({ process: createFakeProcess(), exit: false });

describe('supervise: bad input', () => {
  it('refuses what is not a target, naming it', () => {
    expect(() => supervise({} as never, { shutdown: make() })).toThrow(
      /`target` to be a ChildProcess, a cluster Worker or a worker_threads Worker, got an object/,
    );
    expect(() => supervise(42 as never)).toThrow(TypeError);
  });

  it('refuses a child that already exited, and bad options', async () => {
    const sd = make();
    const done = spawnRuntime([script('0')]);
    await once(done, 'exit');
    expect(() => supervise(done, { shutdown: sd })).toThrow(/has already exited/);
    const child = spawnRuntime([script('setInterval(() => {}, 1000)')]);
    try {
      expect(() => supervise(child, { shutdown: sd, timeout: -1 })).toThrow(/`timeout`.*-1/);
      expect(() => supervise(child, { shutdown: sd, signal: 'SIGNOPE' as never })).toThrow(
        /`signal`/,
      );
      expect(() => supervise(child, { shutdown: sd, signal: 'SIGKILL' })).toThrow(/`signal`/);
      expect(() => supervise(child, { shutdown: sd, name: '' })).toThrow(/`name`/);
      expect(() => supervise(child, { shutdown: {} as never })).toThrow(/`shutdown`/);
      expect(() => supervise(child, 'fast' as never)).toThrow(/`options`/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('forwards the signal it is given and reports the end', async () => {
    const sd = make();
    const child = spawnRuntime([
      script(
        "process.on('SIGUSR2', () => process.exit(0)); setInterval(() => {}, 1000); console.log('ready')",
      ),
    ]);
    await once(child.stdout!, 'data');
    supervise(child, { shutdown: sd, signal: 'SIGUSR2', name: 'helper' });
    const report = await sd.shutdown();
    expect(report.hooks).toMatchObject([{ name: 'helper', status: 'ok' }]);
  });
});
