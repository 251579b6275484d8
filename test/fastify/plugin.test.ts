// The Fastify plugin on real Fastify servers: registration, its two hooks, forceCloseConnections.
import { once } from 'node:events';
import http from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { shutdownHooks } from '../../src/fastify/index.js';
import { createShutdown, Priority, type ShutdownReport } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { notOn } from '../support/child.js';
import { make } from '../support/servers.js';

describe('fastify plugin', () => {
  it('rejects a bad readinessPath and bad drain options at registration', async () => {
    const fastify = (await import('fastify')).default;
    const app = fastify();
    await expect(
      app.register(shutdownHooks, { shutdown: make(), readinessPath: 'ready' }),
    ).rejects.toThrow(/`readinessPath`/);
    const app2 = fastify();
    await expect(app2.register(shutdownHooks, { shutdown: make(), idleGrace: -5 })).rejects.toThrow(
      /`idleGrace`/,
    );
  });

  it('unregisters its hook when the application closes Fastify itself', async () => {
    const fastify = (await import('fastify')).default;
    const sd = make();
    const app = fastify();
    await app.register(shutdownHooks, { shutdown: sd });
    await app.ready();
    await app.close();
    expect((await sd.shutdown()).hooks).toEqual([]);
  });

  it('is registered under its name, once per Fastify instance', async () => {
    const fastify = (await import('fastify')).default;
    const app = fastify();
    await app.register(shutdownHooks, { shutdown: make(), readinessPath: false });
    await app.ready();
    expect(app.hasPlugin('shutdown-hooks')).toBe(true);
    await app.close();
  });

  it('with forceCloseConnections: true, tracks nothing on the request path', async () => {
    const fastify = (await import('fastify')).default;
    const requestListeners = async (options: object) => {
      const app = fastify(options);
      const before = app.server.listenerCount('request');
      await app.register(shutdownHooks, { shutdown: make(), readinessPath: false });
      await app.ready();
      const added = app.server.listenerCount('request') - before;
      await app.close();
      return added;
    };
    expect(await requestListeners({ forceCloseConnections: true })).toBe(0);
    expect(await requestListeners({})).toBe(1);
  });

  it("with forceCloseConnections: true, leaves the connections to Fastify's close()", async () => {
    const fastify = (await import('fastify')).default;
    const sd = make();
    const app = fastify({ forceCloseConnections: true });
    let closed = false;
    app.addHook('onClose', async () => {
      closed = true;
    });
    await app.register(shutdownHooks, { shutdown: sd, readinessPath: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const report = await sd.shutdown();
    expect(report.hooks).toMatchObject([
      { name: 'fastify', status: 'ok' },
      { name: 'fastify onClose', status: 'ok' },
    ]);
    expect(closed).toBe(true);
  });

  it('with forceCloseConnections: true, a shutdown forced during the delay still closes the server', async () => {
    const fastify = (await import('fastify')).default;
    const fake = createFakeProcess();
    const sd = createShutdown({ process: fake, exit: false });
    const app = fastify({ forceCloseConnections: true });
    await app.register(shutdownHooks, { shutdown: sd, readinessPath: false, delay: 5000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const done = new Promise<ShutdownReport>((resolve) => sd.once('done', resolve));
    fake.emit('SIGINT');
    await new Promise((resolve) => setImmediate(resolve));
    fake.emit('SIGINT');
    const report = await done;
    expect(report.exitCode).toBe(130);
    if (app.server.listening) await once(app.server, 'close');
    expect(app.server.listening).toBe(false);
    await app.close();
  });

  it('with forceCloseConnections: true, ends requests still in flight at once, as Fastify would', async () => {
    const fastify = (await import('fastify')).default;
    const sd = make();
    const app = fastify({ forceCloseConnections: true });
    let arrived!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    app.get('/slow', async () => {
      arrived();
      await new Promise((r) => setTimeout(r, 2000));
      return 'late';
    });
    await app.register(shutdownHooks, { shutdown: sd, readinessPath: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const request = new Promise<string>((resolve) => {
      http
        .get({ port, host: '127.0.0.1', path: '/slow', agent: false }, () => resolve('answered'))
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    await inHandler;
    const report = await sd.shutdown();
    expect(await request).toBe('ECONNRESET');
    expect(report.hooks.map((h) => h.status)).toEqual(['ok', 'ok']);
  });

  it.skipIf(notOn(['bun'], "Bun's server.getConnections() counts no connection"))(
    'with forceCloseConnections: true, the drain itself closes the connections, before the hooks after it',
    async () => {
      const fastify = (await import('fastify')).default;
      const sd = make();
      const app = fastify({ forceCloseConnections: true });
      await app.register(shutdownHooks, { shutdown: sd, readinessPath: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const client = connect({ port, host: '127.0.0.1' }).resume();
      client.on('error', () => {});
      await once(client, 'connect');
      const open = () =>
        new Promise<number>((resolve, reject) =>
          app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        );
      await vi.waitFor(async () => expect(await open()).toBe(1));
      let openDuringFlush = -1;
      sd.onShutdown('flush', async () => {
        openDuringFlush = await open();
      });
      const report = await sd.shutdown();
      expect(openDuringFlush).toBe(0);
      expect(report.hooks.map((h) => h.status)).toEqual(['ok', 'ok', 'ok']);
    },
  );

  it("runs Fastify's onClose hooks at Priority.RESOURCE, after the app's own hooks", async () => {
    const fastify = (await import('fastify')).default;
    const sd = make();
    const app = fastify();
    const order: string[] = [];
    let poolOpen = true;
    app.addHook('onClose', async () => {
      order.push('onClose: pool ended');
      poolOpen = false;
    });
    await app.register(shutdownHooks, { shutdown: sd, readinessPath: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    sd.onShutdown('flush audit rows', () => {
      order.push(poolOpen ? 'flush wrote to an open pool' : 'flush wrote to an ended pool');
    });
    sd.onShutdown('stop worker', () => void order.push('worker stopped'), {
      priority: Priority.WORKER,
    });
    const report = await sd.shutdown();
    expect(order).toEqual(['worker stopped', 'flush wrote to an open pool', 'onClose: pool ended']);
    expect(report.hooks.map((h) => [h.name, h.priority, h.status])).toEqual([
      ['fastify', Priority.SERVER, 'ok'],
      ['stop worker', Priority.WORKER, 'ok'],
      ['flush audit rows', Priority.DEFAULT, 'ok'],
      ['fastify onClose', Priority.RESOURCE, 'ok'],
    ]);
    expect(app.server.listening).toBe(false);
  });
});
