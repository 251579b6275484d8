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
import { get } from './get.js';

const apps: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close().catch(() => {});
});

/** A Nest app whose GET /slow takes 200 ms and whose providers log every lifecycle call. */
async function start(
  platform: 'express' | 'fastify',
  options: NestShutdownOptions = {},
  logger: LoggerService | false = false,
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
      await sleep(200);
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
  it('says through Nest’s logger when enableShutdownHooks() is on as well', async () => {
    const { warnings, logger } = recordWarnings();
    const { app } = await start('express', {}, logger);
    app.enableShutdownHooks(['SIGTERM']);
    await app.init();
    expect(warnings).toEqual([
      "ShutdownHooksModule: app.enableShutdownHooks() is on as well (SIGTERM): on that signal Nest closes every module at once, while requests are still being served, and then again after the drain. Remove it: ShutdownHooksModule runs Nest's lifecycle after the last request.",
    ]);
    await app.close(); // removes Nest's listener from this process
    expect(process.listeners('SIGTERM').some((l) => String(l).includes('callDestroyHook'))).toBe(
      false,
    );
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

  it('refuses bad input with a TypeError naming it', () => {
    expect(() => ShutdownHooksModule.forRoot('fast' as never)).toThrow(
      /Expected `options` to be an object, got "fast"/,
    );
    expect(() => ShutdownHooksModule.forRoot({ readinessPath: 'ready' })).toThrow(
      /Expected `readinessPath` to be a path like "\/ready" or false, got "ready"/,
    );
    expect(() => ShutdownHooksModule.forRoot({ delay: -1 })).toThrow(TypeError);
    expect(() => ShutdownHooksModule.forRoot({ shutdown: {} as never })).toThrow(
      /Expected `shutdown` to be a Shutdown instance/,
    );
  });
});
