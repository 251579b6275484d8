import { once } from 'node:events';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { preStopHandler as expressPreStop } from '../../src/express/index.js';
import { shutdownHooks } from '../../src/fastify/index.js';
import { drainHttp, preStopHandler, readinessHandler } from '../../src/http/index.js';
import { createShutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { get } from './get.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe('preStopHandler', () => {
  it('begins the shutdown, answers once the delay has passed, and the SIGTERM after it does not force', async () => {
    const fake = createFakeProcess();
    const exits: number[] = [];
    const sd = createShutdown({ process: fake, exit: (c) => exits.push(c), delay: 300 });
    const events: string[] = [];
    sd.on('shutdown', (reason) => events.push(`shutdown ${reason}`));
    sd.on('hook:start', ({ name }) => events.push(`start ${name}`));
    sd.on('force', () => events.push('force'));
    const ready = readinessHandler({ shutdown: sd });
    const preStop = preStopHandler({ shutdown: sd });
    const server = http.createServer((req, res) => {
      if (req.url === '/ready') return ready(req, res);
      if (req.url === '/pre-stop') return preStop(req, res);
      res.end('served');
    });
    drainHttp(server, { shutdown: sd });
    sd.onShutdown('flush', () => void events.push('flush ran'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    servers.push(server);

    const answered = get(port, '/pre-stop').then((r) => {
      events.push(`preStop answered ${r.status}`);
      return r;
    });
    // During the delay: not ready, but still serving.
    expect(await get(port, '/ready')).toEqual({ status: 503, body: 'shutting down\n' });
    expect(await get(port, '/')).toEqual({ status: 200, body: 'served' });
    expect(events).toEqual(['shutdown preStop']);
    expect(await answered).toEqual({ status: 200, body: 'stopping\n' });
    // The kubelet's SIGTERM comes next: the expected step, not a repeat.
    fake.emit('SIGTERM');
    const report = await sd.shutdown();
    expect(report.reason).toBe('preStop');
    expect(report.exitCode).toBe(0);
    expect(exits).toEqual([0]);
    // The answer is written when the first hook (the drain) starts; whether the client reads it
    // before the next hook starts is up to the runtime's event loop (on Node it does).
    expect(events.filter((e) => !e.startsWith('preStop'))).toEqual([
      'shutdown preStop',
      'start drain http',
      'start flush',
      'flush ran',
    ]);
    expect(events.indexOf('preStop answered 200')).toBeGreaterThan(
      events.indexOf('start drain http'),
    );
    // The Express adapter hands out the same handler.
    expect(expressPreStop).toBe(preStopHandler);
  });

  it('a signal after shutdown() carries on, while a signal after a signal forces', async () => {
    /** Starts a shutdown with `trigger`, then sends SIGTERM while a hook is still running. */
    const stopTwice = async (trigger: 'shutdown()' | 'SIGTERM') => {
      const fake = createFakeProcess();
      // SIGTERM is made a forcing signal here: the point is what started the shutdown.
      const sd = createShutdown({ process: fake, exit: false, forceSignals: ['SIGTERM'] });
      const forced: string[] = [];
      sd.on('force', (e) => forced.push(e.signal));
      let release!: () => void;
      const running = new Promise<void>((started) => {
        sd.onShutdown('slow', () => {
          started();
          return new Promise<void>((r) => {
            release = r;
          });
        });
      });
      if (trigger === 'SIGTERM') fake.emit('SIGTERM');
      const done = sd.shutdown();
      await running;
      fake.emit('SIGTERM');
      release();
      const report = await done;
      return { forced, exitCode: report.exitCode, status: report.hooks[0]!.status };
    };
    expect(await stopTwice('shutdown()')).toEqual({ forced: [], exitCode: 0, status: 'ok' });
    expect(await stopTwice('SIGTERM')).toEqual({
      forced: ['SIGTERM'],
      exitCode: 143,
      status: 'error',
    });
  });

  it('answers at once once the shutdown has begun, and when it ends without any hook', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    const preStop = preStopHandler({ shutdown: sd });
    const answers: number[] = [];
    const res = () => ({
      statusCode: 0,
      setHeader() {},
      end(this: { statusCode: number }) {
        answers.push(this.statusCode);
      },
    });
    // No hook registered: no hook:start ever comes; the end of the shutdown answers.
    preStop({} as never, res() as never);
    expect(answers).toEqual([]);
    const report = await sd.shutdown();
    expect(report.reason).toBe('preStop');
    expect(answers).toEqual([200]);
    preStop({} as never, res() as never);
    expect(answers).toEqual([200, 200]);
    expect(sd.listenerCount('hook:start') + sd.listenerCount('done')).toBe(0);
  });

  it('the Fastify plugin serves it on preStopPath', async () => {
    const fastify = (await import('fastify')).default;
    const sd = createShutdown({ process: createFakeProcess(), exit: false, delay: 100 });
    const app = fastify();
    await app.register(shutdownHooks, { shutdown: sd, preStopPath: '/pre-stop' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    expect(await get(port, '/pre-stop')).toEqual({ status: 200, body: 'stopping\n' });
    const report = await sd.shutdown();
    expect(report.reason).toBe('preStop');
    expect(report.hooks.map((h) => h.status)).toEqual(['ok', 'ok']);
    await expect(
      fastify().register(shutdownHooks, { shutdown: sd, preStopPath: 'stop' as never }),
    ).rejects.toThrow(/`preStopPath`/);
  });

  it("the Fastify plugin's preStop route answers after the delay, not at Fastify's handlerTimeout", async () => {
    const fastify = (await import('fastify')).default;
    const sd = createShutdown({ process: createFakeProcess(), exit: false, delay: 300 });
    const app = fastify({ handlerTimeout: 50 });
    await app.register(shutdownHooks, { shutdown: sd, preStopPath: '/pre-stop' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const t0 = Date.now();
    expect(await get(port, '/pre-stop')).toEqual({ status: 200, body: 'stopping\n' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await sd.shutdown();
  });
});
