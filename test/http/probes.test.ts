import { once } from 'node:events';
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveness as expressLiveness } from '../../src/express/index.js';
import { shutdownHooks } from '../../src/fastify/index.js';
import {
  type HealthCheck,
  livenessHandler,
  preStopHandler,
  type ReadinessOptions,
  readinessHandler,
} from '../../src/http/index.js';
import { readinessProbe } from '../../src/http/readiness.js';
import { createShutdown, type ShutdownState } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { get } from './get.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const make = (options = {}) =>
  createShutdown({ process: createFakeProcess(), exit: false, ...options });

/** A server answering /ready and /live with the given handlers; a GET helper. */
async function serve(handlers: Record<string, http.RequestListener>) {
  const server = http.createServer((req, res) => handlers[req.url!]!(req, res));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return (path: string) => get(port, path);
}

describe('readiness: starting, ready, shutting down', () => {
  it('with ready: false, answers 503 until setReady(), then 200, then 503 on shutdown', async () => {
    const sd = make({ ready: false });
    const get = await serve({ '/ready': readinessHandler({ shutdown: sd }) });
    expect(await get('/ready')).toEqual({ status: 503, body: 'starting\n' });
    sd.setReady();
    expect(await get('/ready')).toEqual({ status: 200, body: 'ok\n' });
    sd.setReady(false);
    expect((await get('/ready')).status).toBe(503);
    sd.setReady(true);
    void sd.shutdown();
    expect(await get('/ready')).toEqual({ status: 503, body: 'shutting down\n' });
    expect(sd.isReady()).toBe(false);
  });

  it('setReady(promise): ready when it resolves; a rejection keeps it unready', async () => {
    const sd = make({ ready: false });
    let finish!: () => void;
    const migrations = new Promise<void>((r) => {
      finish = r;
    });
    sd.setReady(migrations);
    expect(sd.isReady()).toBe(false);
    finish();
    await migrations;
    await Promise.resolve();
    expect(sd.isReady()).toBe(true);

    const failing = Promise.reject(new Error('migration failed'));
    sd.setReady(failing);
    await failing.catch(() => {});
    await Promise.resolve();
    expect(sd.isReady()).toBe(false);
    expect(() => sd.setReady('yes' as never)).toThrow(/`ready` to be a boolean or a promise/);
  });

  it('failDuringShutdown: false keeps answering 200 while shutting down', async () => {
    const sd = make();
    const get = await serve({
      '/ready': readinessHandler({ shutdown: sd, failDuringShutdown: false }),
    });
    void sd.shutdown();
    expect(await get('/ready')).toEqual({ status: 200, body: 'ok\n' });
  });
});

describe('checks', () => {
  it('answer 503 naming each check that throws, returns false or hangs; 200 when all pass', async () => {
    const sd = make();
    const seen: ShutdownState[] = [];
    let db: HealthCheck = () => true;
    const checks: Record<string, HealthCheck> = {
      db: (state) => db(state),
      cache: async (state) => {
        seen.push(state);
      },
    };
    const options: ReadinessOptions = { shutdown: sd, checks, checkTimeout: 50 };
    const get = await serve({ '/ready': readinessHandler(options) });
    expect(await get('/ready')).toEqual({ status: 200, body: 'ok\n' });
    db = () => {
      throw new Error('connection refused');
    };
    expect(await get('/ready')).toEqual({
      status: 503,
      body: 'check "db" failed: connection refused\n',
    });
    db = () => false;
    expect((await get('/ready')).body).toBe('check "db" failed: returned false\n');
    db = () => new Promise(() => {});
    expect((await get('/ready')).body).toBe('check "db" failed: took longer than 50 ms\n');
    expect(seen.every((s) => s === 'running')).toBe(true);
    expect(() => readinessHandler({ shutdown: sd, checks: { db: 1 as never } })).toThrow(
      /`checks\.db`/,
    );
    expect(() => readinessHandler({ shutdown: sd, checkTimeout: 0 })).toThrow(/`checkTimeout`/);
  });
});

describe('answers', () => {
  /** A response that records what the handler did to it. */
  function fakeResponse() {
    const headers: Record<string, unknown> = {};
    const res = {
      statusCode: 0,
      body: undefined as string | undefined,
      setHeader(name: string, value: unknown) {
        headers[name] = value;
      },
      end(body: string) {
        res.body = body;
      },
    };
    return { res, headers };
  }

  it('are plain text that no cache keeps', () => {
    const { res, headers } = fakeResponse();
    readinessHandler({ shutdown: make() })({} as never, res as never);
    expect(res).toMatchObject({ statusCode: 200, body: 'ok\n' });
    expect(headers).toEqual({
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
  });

  it('come at once, within the call, when there is no check to run', () => {
    for (const options of [{}, { checks: {} }]) {
      const { res } = fakeResponse();
      readinessHandler({ shutdown: make(), ...options })({} as never, res as never);
      expect(res.body).toBe('ok\n');
    }
  });

  it('name every failed check, one per line, and leave no timer behind', async () => {
    vi.useFakeTimers();
    try {
      const probe = readinessProbe({
        shutdown: make(),
        checks: {
          db: () => false,
          cache: () => Promise.reject(new Error('down')),
          disk: () => true,
        },
      });
      expect(await probe()).toEqual({
        statusCode: 503,
        body: 'check "db" failed: returned false\ncheck "cache" failed: down\n',
      });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('preStopHandler names its options when they are not an object', () => {
    expect(() => preStopHandler(1 as never)).toThrow(
      new TypeError('Expected `options` to be an object, got 1'),
    );
  });
});

describe('liveness', () => {
  it('stays 200 through the drain, and its checks receive the state', async () => {
    const sd = make();
    const states: ShutdownState[] = [];
    let release!: () => void;
    sd.onShutdown('drain', () => new Promise<void>((r) => (release = r)));
    const get = await serve({
      '/live': livenessHandler({ shutdown: sd }),
      '/live-checked': livenessHandler({
        shutdown: sd,
        checks: { loop: (state) => void states.push(state) },
      }),
    });
    expect(await get('/live')).toEqual({ status: 200, body: 'alive\n' });
    const done = sd.shutdown();
    expect(await get('/live')).toEqual({ status: 200, body: 'alive\n' });
    expect((await get('/live-checked')).status).toBe(200);
    expect(states).toEqual(['draining']);
    release();
    await done;
    expect(expressLiveness).toBe(livenessHandler);
  });

  it('the Fastify plugin serves liveness and checked readiness on its options', async () => {
    const fastify = (await import('fastify')).default;
    const sd = make();
    const app = fastify();
    let healthy = true;
    await app.register(shutdownHooks, {
      shutdown: sd,
      livenessPath: '/live',
      checks: { db: () => healthy },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const ready = await app.inject({ url: '/ready' });
    expect([ready.statusCode, ready.body]).toEqual([200, 'ok\n']);
    healthy = false;
    const failing = await app.inject({ url: '/ready' });
    expect([failing.statusCode, failing.body]).toEqual([
      503,
      'check "db" failed: returned false\n',
    ]);
    const live = await app.inject({ url: '/live' });
    expect([live.statusCode, live.body]).toEqual([200, 'alive\n']);
    await sd.shutdown();
  });

  it('the Fastify plugin passes checkTimeout and failDuringShutdown to its readiness route', async () => {
    const fastify = (await import('fastify')).default;
    const sd = make();
    const app = fastify();
    await app.register(shutdownHooks, {
      shutdown: sd,
      checks: { slow: () => new Promise<boolean>(() => {}) },
      checkTimeout: 20,
      failDuringShutdown: false,
    });
    const slow = await app.inject({ url: '/ready' });
    expect([slow.statusCode, slow.body]).toEqual([
      503,
      'check "slow" failed: took longer than 20 ms\n',
    ]);
    const plain = fastify();
    await plain.register(shutdownHooks, { shutdown: sd, readinessPath: '/ready' });
    sd.onShutdown('hold', () => new Promise<void>((r) => setTimeout(r, 50)));
    const done = sd.shutdown();
    // Still answering its checks rather than 503 for the shutdown: the option reached the probe.
    const during = await app.inject({ url: '/ready' });
    expect(during.body).toBe('check "slow" failed: took longer than 20 ms\n');
    const plainDuring = await plain.inject({ url: '/ready' });
    expect(plainDuring.statusCode).toBe(503);
    await done;
  });
});
