// Small things users see or rely on in the HTTP layer, pinned down: what each kind of server is
// called, and every bad option named in its TypeError.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rejectWhileDraining } from '../../src/express/index.js';
import { shutdownHooks } from '../../src/fastify/index.js';
import { drainHttp, livenessHandler, readinessHandler } from '../../src/http/index.js';
import { kindOf, stopAccepting } from '../../src/http/server.js';
import { createShutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { certificate } from './kinds.js';

const make = () => createShutdown({ process: createFakeProcess(), exit: false });

describe('server kinds', () => {
  it('tells http, https and http2 apart, by class and not by a name that merely contains it', async () => {
    const tls = await certificate();
    expect(kindOf(http.createServer())).toBe('http');
    expect(kindOf(https.createServer(tls))).toBe('https');
    expect(kindOf(http2.createServer() as unknown as Server)).toBe('http2');
    expect(kindOf(http2.createSecureServer(tls) as unknown as Server)).toBe('http2');
    class MyHttp2ServerWrapper extends http.Server {}
    class Http2ServerLike extends http.Server {}
    class MyHttp2Server extends http.Server {}
    expect(kindOf(new MyHttp2ServerWrapper())).toBe('http');
    expect(kindOf(new MyHttp2Server())).toBe('http');
    expect(kindOf(new Http2ServerLike())).toBe('http');
  });

  it('names the drain hook after the kind of server', async () => {
    const sd = make();
    drainHttp(http2.createServer() as unknown as Server, { shutdown: sd });
    drainHttp(https.createServer(await certificate()), { shutdown: sd });
    drainHttp(http.createServer(), { shutdown: sd });
    const report = await sd.shutdown();
    expect(report.hooks.map((h) => h.name).sort()).toEqual([
      'drain http',
      'drain http2',
      'drain https',
    ]);
  });

  it('stopping a server that never listened resolves at once, and emits no close of its own', async () => {
    const server = http.createServer();
    let closes = 0;
    server.on('close', () => {
      closes += 1;
    });
    await expect(stopAccepting(server)).resolves.toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(closes).toBe(0);
  });
});

describe('bad options are named', () => {
  it.each([
    [
      () => drainHttp(http.createServer(), 'x' as never),
      'Expected `options` to be an object, got "x"',
    ],
    [
      () => drainHttp(http.createServer(), { shutdown: make(), name: ' ' }),
      'Expected `name` to be a non-empty string, got " "',
    ],
    [
      () => drainHttp(http.createServer(), { shutdown: make(), priority: 'x' as never }),
      'Expected `priority` to be a finite number, got "x"',
    ],
    [() => readinessHandler('x' as never), 'Expected `options` to be an object, got "x"'],
    [() => livenessHandler('x' as never), 'Expected `options` to be an object, got "x"'],
    [
      () => readinessHandler({ shutdown: make(), failDuringShutdown: 'x' as never }),
      'Expected `failDuringShutdown` to be a boolean, got "x"',
    ],
    [() => rejectWhileDraining('x' as never), 'Expected `options` to be an object, got "x"'],
  ])('%#', (call, message) => {
    expect(call).toThrow(new TypeError(message));
  });

  it('takes a delay of 0, a retryAfter of 0, and no options at all', () => {
    expect(() => rejectWhileDraining()).not.toThrow();
    expect(() => drainHttp(http.createServer(), { shutdown: make(), delay: 0 })).not.toThrow();
    expect(() => rejectWhileDraining({ retryAfter: 0 })).not.toThrow();
  });

  it('the Fastify plugin names a bad livenessPath or readinessPath', async () => {
    const fastify = (await import('fastify')).default;
    await expect(
      fastify().register(shutdownHooks, { shutdown: make(), livenessPath: 'live' }),
    ).rejects.toThrow(
      new TypeError('Expected `livenessPath` to be a path like "/ready" or false, got "live"'),
    );
    await expect(
      fastify().register(shutdownHooks, { shutdown: make(), readinessPath: 7 as never }),
    ).rejects.toThrow(
      new TypeError('Expected `readinessPath` to be a path like "/ready" or false, got 7'),
    );
  });
});
