// Every options object of the public API refuses a key it does not know, naming it: in
// JavaScript, `dealy` for `delay` would otherwise be ignored without a word.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { rejectWhileDraining } from '../../src/express/index.js';
import { shutdownHooks } from '../../src/fastify/index.js';
import {
  drainHttp,
  livenessHandler,
  preStopHandler,
  readinessHandler,
} from '../../src/http/index.js';
import { configureShutdown, createShutdown, createWorkTracker } from '../../src/index.js';
import { ShutdownHooksModule } from '../../src/nestjs/index.js';
import { supervise } from '../../src/process/index.js';
import {
  createFakeProcess,
  createHookContext,
  createTestShutdown,
} from '../../src/testing/index.js';

const make = () => createShutdown({ process: createFakeProcess(), exit: false });

const calls: [string, (bad: object) => unknown][] = [
  ['createShutdown', (o) => createShutdown({ process: createFakeProcess(), ...o })],
  ['configure', (o) => make().configure(o)],
  ['configureShutdown', (o) => configureShutdown(o)],
  ['handleErrors', (o) => make().configure({ handleErrors: o })],
  ['onShutdown', (o) => make().onShutdown('x', () => {}, o)],
  ['shutdown', (o) => make().shutdown(o)],
  ['createWorkTracker', (o) => createWorkTracker({ shutdown: make(), ...o })],
  ['drainHttp', (o) => drainHttp(http.createServer(), { shutdown: make(), ...o })],
  ['readinessHandler', (o) => readinessHandler(o)],
  ['livenessHandler', (o) => livenessHandler(o)],
  ['preStopHandler', (o) => preStopHandler(o)],
  ['rejectWhileDraining', (o) => rejectWhileDraining(o)],
  ['ShutdownHooksModule.forRoot', (o) => ShutdownHooksModule.forRoot(o)],
  ['createTestShutdown', (o) => createTestShutdown(o)],
  ['createHookContext', (o) => createHookContext(o)],
  ['createFakeProcess', (o) => createFakeProcess(o)],
];

describe('unknown option keys', () => {
  it.each(calls)('%s refuses one with a TypeError naming it', (_name, call) => {
    expect(() => call({ dealy: 5000 })).toThrow(TypeError);
    expect(() => call({ dealy: 5000 })).toThrow(/Unknown option `dealy`/);
  });

  it('suggests the key meant, and lists the keys known', () => {
    expect(() => make().onShutdown('x', () => {}, { timout: 100 } as object)).toThrow(
      new TypeError(
        'Unknown option `timout` in `options` (did you mean `timeout`?); expected one of: priority, timeout',
      ),
    );
  });

  it('the Fastify plugin refuses one at registration, and takes what register() passes along', async () => {
    const fastify = (await import('fastify')).default;
    await expect(fastify().register(shutdownHooks, { dealy: 5000 } as object)).rejects.toThrow(
      /Unknown option `dealy` in `options` \(did you mean `delay`\?\)/,
    );
    const app = fastify();
    await app.register(shutdownHooks, {
      shutdown: make(),
      prefix: '/api',
      logLevel: 'warn',
      logSerializers: { res: (res: { statusCode: number }) => String(res.statusCode) },
    });
    await app.ready();
    await app.close();
  });

  it('supervise refuses one, and leaves the child as it was', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    try {
      expect(() => supervise(child, { shutdown: make(), timout: 10 } as object)).toThrow(
        /Unknown option `timout`/,
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});
