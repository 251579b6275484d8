// ShutdownHooksModule in a real Nest application on a real server (both platforms), with an
// instance on a fake process. The adapter contract suite (contract.test.ts) covers the drain.
import 'reflect-metadata';
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
    warn: (message: unknown) => warnings.push(String(message)),
  };
  return { warnings, logger };
}

describe('ShutdownHooksModule', () => {
  it('says through Nest’s logger when enableShutdownHooks() is on as well', async () => {
    const { warnings, logger } = recordWarnings();
    const { app } = await start('express', {}, logger);
    app.enableShutdownHooks(['SIGTERM']);
    await app.init();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^app\.enableShutdownHooks\(\) is on as well \(SIGTERM\)/);
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
