// ShutdownHooksModule in a real Nest application on a real server (both platforms), with an
// instance on a fake process. The adapter contract suite (contract.test.ts) covers the drain.
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, Injectable, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createShutdown, type Shutdown } from '../../src/index.js';
import { type NestShutdownOptions, ShutdownHooksModule } from '../../src/nestjs/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { deferred } from '../core/helpers.js';
import { get } from '../http/get.js';

const apps: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close().catch(() => {});
});

/** A Nest app whose GET /slow takes 200 ms (or `slowMs`) and whose providers log every lifecycle call. */
async function start(
  platform: 'express' | 'fastify',
  options: NestShutdownOptions = {},
  logger: LoggerService | false = false,
  slowMs = 200,
) {
  const events: string[] = [];
  const arrived = deferred();
  const sd: Shutdown =
    options.shutdown ?? createShutdown({ process: createFakeProcess(), exit: false });

  class Pool {
    onModuleDestroy() {
      events.push('onModuleDestroy');
    }
    beforeApplicationShutdown(signal?: string) {
      events.push(`beforeApplicationShutdown ${signal}`);
    }
    onApplicationShutdown(signal?: string) {
      events.push(`onApplicationShutdown ${signal}`);
    }
  }
  Injectable()(Pool);
  class Slow {
    async slow() {
      arrived.resolve();
      await sleep(slowMs);
      events.push('response');
      return 'slow';
    }
  }
  Controller()(Slow);
  const slow = Object.getOwnPropertyDescriptor(Slow.prototype, 'slow')!;
  Get('slow')(Slow.prototype, 'slow', slow);
  class AppModule {}
  Module({
    imports: [ShutdownHooksModule.forRoot({ ...options, shutdown: sd })],
    controllers: [Slow],
    providers: [Pool],
  })(AppModule);

  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger });
  apps.push(app);
  return { app, sd, events, arrived: arrived.promise };
}

async function listen(app: Awaited<ReturnType<typeof start>>['app']): Promise<number> {
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as AddressInfo).port;
}

describe.each(['express', 'fastify'] as const)('ShutdownHooksModule on %s', (platform) => {
  it("drains first, then runs Nest's lifecycle in Nest's order, after the last response", async () => {
    const { app, sd, events, arrived } = await start(platform);
    const port = await listen(app);
    const inFlight = get(port, '/slow');
    await arrived; // the request is in the handler
    const report = await sd.shutdown({ reason: 'SIGTERM' });
    expect((await inFlight).status).toBe(200);
    expect(events).toEqual([
      'response',
      'onModuleDestroy',
      'beforeApplicationShutdown SIGTERM',
      'onApplicationShutdown SIGTERM',
    ]);
    expect(report.hooks.map((h) => [h.name, h.priority, h.status])).toEqual([
      ['nest', 300, 'ok'],
      ['nest close', 0, 'ok'],
    ]);
    expect(app.getHttpServer().listening).toBe(false);
  });

  it('answers /ready 200, then 503 from the moment the shutdown begins', async () => {
    const { app, sd } = await start(platform, { delay: 300 });
    const port = await listen(app);
    expect(await get(port, '/ready')).toEqual({ status: 200, body: 'ok\n' });
    const done = sd.shutdown();
    expect(await get(port, '/ready')).toEqual({ status: 503, body: 'shutting down\n' });
    await done;
  });

  it('with readinessPath: false, adds no route', async () => {
    const { app } = await start(platform, { readinessPath: false });
    const port = await listen(app);
    expect((await get(port, '/ready')).status).toBe(404);
  });

  it('app.close() by the application itself leaves nothing registered', async () => {
    const { app, sd, events } = await start(platform);
    await listen(app);
    await app.close();
    expect(events).toEqual([
      'onModuleDestroy',
      'beforeApplicationShutdown undefined',
      'onApplicationShutdown undefined',
    ]);
    const report = await sd.shutdown();
    expect(report.hooks).toEqual([]);
    expect(events).toHaveLength(3);
  });
});

/** A Nest logger that keeps its warnings. */
function recordWarnings() {
  const warnings: string[] = [];
  const logger: LoggerService = {
    log() {},
    error() {},
    warn: (message: unknown, context?: unknown) => warnings.push(`${context}: ${message}`),
  };
  return { warnings, logger };
}

describe('ShutdownHooksModule', () => {
  it("takes the registry's signals over from enableShutdownHooks(), before or after listen()", async () => {
    const { warnings, logger } = recordWarnings();
    // An instance on this very process: its signal listeners are the ones Nest's would race.
    const sd = createShutdown({ exit: false, naturalExit: false, handleErrors: false });
    try {
      const { app } = await start('express', { shutdown: sd }, logger);
      const nest = (signal: NodeJS.Signals) =>
        process.listeners(signal).filter((l) => String(l).includes('callBeforeShutdownHook'));
      app.enableShutdownHooks(['SIGTERM', 'SIGHUP']);
      await listen(app);
      // SIGTERM is the registry's now; SIGHUP, which the registry does not handle, stays Nest's.
      expect(nest('SIGTERM')).toEqual([]);
      expect(nest('SIGHUP')).toHaveLength(1);
      app.enableShutdownHooks(['SIGINT']); // after listen(): taken over too
      await new Promise((resolve) => setImmediate(resolve));
      expect(nest('SIGINT')).toEqual([]);
      expect(warnings).toEqual(
        ['SIGTERM', 'SIGINT'].map(
          (signal) =>
            `ShutdownHooksModule: app.enableShutdownHooks() is on as well: the module took ${signal} over from it. Nest's lifecycle runs once, after the last request, instead of at the signal while requests are still served. Remove enableShutdownHooks() for ${signal}: the module already handles it.`,
        ),
      );
      // A listener of Nest's added again for a signal already taken: taken, without a new warning.
      const nestListener = () => async () =>
        (app as unknown as { callBeforeShutdownHook(): void }).callBeforeShutdownHook();
      process.on('SIGTERM', nestListener());
      await new Promise((resolve) => setImmediate(resolve));
      expect(nest('SIGTERM')).toEqual([]);
      expect(warnings).toHaveLength(2);
      // Once the application is closed, the module no longer watches for Nest's listeners.
      await app.close();
      for (const listener of nest('SIGHUP')) process.off('SIGHUP', listener);
      const late = nestListener();
      process.on('SIGTERM', late);
      await new Promise((resolve) => setImmediate(resolve));
      expect(nest('SIGTERM')).toEqual([late]);
      process.off('SIGTERM', late);
      expect(warnings).toHaveLength(2);
    } finally {
      sd.uninstall();
    }
  });

  it('is quiet without enableShutdownHooks()', async () => {
    const { warnings, logger } = recordWarnings();
    const { app } = await start('express', {}, logger);
    await app.init();
    expect(warnings).toEqual([]);
  });

  it('runs the lifecycle of nested modules in the order app.close() does', async () => {
    const build = async (sd: Shutdown, events: string[]) => {
      const lifecycle = (name: string) => {
        class Provider {
          onModuleDestroy() {
            events.push(`destroy ${name}`);
          }
          beforeApplicationShutdown() {
            events.push(`before ${name}`);
          }
          onApplicationShutdown() {
            events.push(`shutdown ${name}`);
          }
        }
        Injectable()(Provider);
        return Provider;
      };
      class Leaf {}
      Module({ providers: [lifecycle('leaf')] })(Leaf);
      class Mid {}
      Module({ imports: [Leaf], providers: [lifecycle('mid')] })(Mid);
      class Root {}
      Module({
        imports: [Mid, ShutdownHooksModule.forRoot({ shutdown: sd, readinessPath: false })],
        providers: [lifecycle('root')],
      })(Root);
      const app = await NestFactory.create(Root, new ExpressAdapter(), { logger: false });
      apps.push(app);
      await app.init();
      return app;
    };
    const byNest: string[] = [];
    await (
      await build(createShutdown({ process: createFakeProcess(), exit: false }), byNest)
    ).close();
    const byModule: string[] = [];
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    await build(sd, byModule);
    await sd.shutdown();
    expect(byNest).toHaveLength(9);
    expect(byModule).toEqual(byNest);
  });

  it('in an application context without HTTP, runs the lifecycle alone', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    const events: string[] = [];
    class Pool {
      onApplicationShutdown(signal?: string) {
        events.push(`onApplicationShutdown ${signal}`);
      }
    }
    Injectable()(Pool);
    class Worker {}
    Module({ imports: [ShutdownHooksModule.forRoot({ shutdown: sd })], providers: [Pool] })(Worker);
    const context = await NestFactory.createApplicationContext(Worker, { logger: false });
    apps.push(context);
    await context.init();
    const report = await sd.shutdown({ reason: 'SIGTERM' });
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([['nest close', 'ok']]);
    expect(events).toEqual(['onApplicationShutdown SIGTERM']);
  });

  it("registers its hooks before any provider's onApplicationBootstrap, however deep", async () => {
    // A job that starts the shutdown as soon as it is bootstrapped still gets Nest's lifecycle:
    // Nest bootstraps a global module first, whatever the depth of the module that imports it.
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    let report: ReturnType<Shutdown['shutdown']> | undefined;
    class Job {
      onApplicationBootstrap() {
        report = sd.shutdown({ reason: 'done' });
      }
    }
    Injectable()(Job);
    class Deep {}
    Module({ providers: [Job] })(Deep);
    class Mid {}
    Module({ imports: [Deep] })(Mid);
    class Root {}
    Module({ imports: [Mid, ShutdownHooksModule.forRoot({ shutdown: sd })] })(Root);
    const context = await NestFactory.createApplicationContext(Root, { logger: false });
    apps.push(context);
    await context.init();
    expect((await report!).hooks.map((h) => [h.name, h.status])).toEqual([['nest close', 'ok']]);
  });

  it('answers /ready as plain text that nothing caches', async () => {
    const { app } = await start('express');
    const port = await listen(app);
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', path: '/ready', agent: false }, (res) => {
          res.resume();
          resolve(res.headers);
        })
        .on('error', reject);
    });
    expect(headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(headers['cache-control']).toBe('no-store');
  });

  it('refuses a second import at start-up, naming the module', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    class Feature {}
    Module({ imports: [ShutdownHooksModule.forRoot({ shutdown: sd, readinessPath: false })] })(
      Feature,
    );
    class Root {}
    Module({ imports: [Feature, ShutdownHooksModule.forRoot({ shutdown: sd })] })(Root);
    const app = await NestFactory.create(Root, new ExpressAdapter(), { logger: false });
    apps.push(app);
    await expect(app.init()).rejects.toThrow(
      /^ShutdownHooksModule is imported 2 times \(ShutdownHooksModule\.forRoot\(\) with different options\): import it once, in the root module/,
    );
  });

  it.each(['express', 'fastify'] as const)(
    'refuses at start-up a readinessPath the application already routes (%s)',
    async (platform) => {
      const sd = createShutdown({ process: createFakeProcess(), exit: false });
      class Health {
        ready() {
          return 'mine';
        }
      }
      Controller()(Health);
      Get('ready')(
        Health.prototype,
        'ready',
        Object.getOwnPropertyDescriptor(Health.prototype, 'ready')!,
      );
      class Root {}
      Module({ imports: [ShutdownHooksModule.forRoot({ shutdown: sd })], controllers: [Health] })(
        Root,
      );
      const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
      const app = await NestFactory.create(Root, adapter, { logger: false });
      apps.push(app);
      await expect(app.init()).rejects.toThrow(
        "ShutdownHooksModule: the application already has a GET /ready route, where the module's `readinessPath` would go. Pass `readinessPath` another path, or false for none.",
      );
      // The module never started: closing the application finds nothing of it to undo.
      await expect(app.close()).resolves.toBeUndefined();
    },
  );

  it.each(['express', 'fastify'] as const)(
    'adds liveness and preStop routes when asked (%s)',
    async (platform) => {
      const { app, sd } = await start(platform, {
        livenessPath: '/live',
        preStopPath: '/pre-stop',
      });
      const port = await listen(app);
      expect(await get(port, '/live')).toEqual({ status: 200, body: 'alive\n' });
      expect(await get(port, '/pre-stop')).toEqual({ status: 200, body: 'stopping\n' });
      expect(sd.isShuttingDown()).toBe(true);
      expect(await get(port, '/live').catch(() => 'closed')).not.toEqual({ status: 503 });
    },
  );

  it('has one delay: its own replaces the instance’s, and never adds to it', async () => {
    const started: number[] = [];
    const sd = createShutdown({ process: createFakeProcess(), exit: false, delay: 1500 });
    const { app } = await start('express', { shutdown: sd, delay: 400 });
    await listen(app);
    sd.on('hook:start', ({ name }) => {
      if (name === 'nest') started.push(Date.now());
    });
    const t0 = Date.now();
    await sd.shutdown();
    // The drain began once its own 400 ms had passed: not the instance's 1500, nor both.
    expect(started[0]! - t0).toBeGreaterThanOrEqual(390);
    expect(started[0]! - t0).toBeLessThan(1500);
  });

  it('gives a request in flight when its delay ends the time after the delay', async () => {
    // As forRoot({ delay: 5000 }) under the default timeout of 8000, scaled down: a request still
    // in flight when the delay ends, answered 600 ms after it, is served and the exit code is 0.
    // A share counted from the start, delay included, cut it off at 1500 ms; after it, at 1750.
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 2000 });
    const { app, arrived } = await start('express', { shutdown: sd, delay: 1000 }, false, 1600);
    const port = await listen(app);
    const response = get(port, '/slow');
    await arrived;
    const report = await sd.shutdown();
    expect(await response).toEqual({ status: 200, body: 'slow' });
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['nest', 'ok'],
      ['nest close', 'ok'],
    ]);
    expect(report.exitCode).toBe(0);
  });

  it('refuses bad input with a TypeError naming it', () => {
    expect(() => ShutdownHooksModule.forRoot('fast' as never)).toThrow(
      /Expected `options` to be an object, got "fast"/,
    );
    for (const option of ['readinessPath', 'livenessPath', 'preStopPath']) {
      expect(() => ShutdownHooksModule.forRoot({ [option]: 'ready' })).toThrow(
        `Expected \`${option}\` to be a path like "/ready" or false, got "ready"`,
      );
    }
    expect(() => ShutdownHooksModule.forRoot({ delay: -1 })).toThrow(TypeError);
    expect(() => ShutdownHooksModule.forRoot({ shutdown: {} as never })).toThrow(
      /Expected `shutdown` to be a Shutdown instance/,
    );
  });
});
