// drainHttp() on real node:http servers: bad input, faults, deadlines, the delay, the 'close' event.
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { drainHttp, isDraining, readinessHandler } from '../../src/http/index.js';
import {
  createShutdown,
  Priority,
  ShutdownInProgressError,
  type ShutdownReport,
} from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { BUN_CLOSES_IDLE, notOn, onlyOn } from '../support/child.js';
import { listening, make } from '../support/servers.js';

describe('drainHttp: bad input', () => {
  it('names what is wrong', () => {
    const sd = make();
    expect(() => drainHttp({} as never, { shutdown: sd })).toThrow(/`server`.*got an object/);
    expect(() => drainHttp('server' as never)).toThrow(TypeError);
    for (const value of [null, undefined, 42]) {
      expect(() => drainHttp(value as never, { shutdown: sd })).toThrow(
        /^Expected `server` to be a node:http, node:https or node:http2 server, or a server of Bun\.serve\(\) or Deno\.serve\(\), got /,
      );
    }
    const server = http.createServer();
    expect(() => drainHttp(server, { shutdown: sd, idleGrace: -1 })).toThrow(/`idleGrace`.*-1/);
    expect(() => drainHttp(server, { shutdown: sd, delay: Number.NaN })).toThrow(/`delay`.*NaN/);
    expect(() => drainHttp(server, { shutdown: sd, timeout: 0 })).toThrow(/`timeout`/);
    expect(() => drainHttp(server, { shutdown: sd, onUpgraded: 1 as never })).toThrow(
      /`onUpgraded`/,
    );
    expect(() => drainHttp(server, { shutdown: {} as never })).toThrow(/`shutdown`/);
    const off = drainHttp(server, { shutdown: sd });
    expect(() => drainHttp(server, { shutdown: sd })).toThrow(/already/);
    off();
    expect(() => drainHttp(server, { shutdown: sd })).not.toThrow();
  });

  it("takes a server that is not a net.Server but has a node server's methods (Bun's node:http)", () => {
    const methods = ['listen', 'close', 'address', 'on', 'prependListener', 'listenerCount'];
    const lookalike = (without?: string) => {
      const emitter = new EventEmitter();
      const server: Record<string, unknown> = {
        listen() {},
        close() {},
        address: () => null,
        on: emitter.on.bind(emitter),
        prependListener: emitter.prependListener.bind(emitter),
        listenerCount: emitter.listenerCount.bind(emitter),
        removeListener: emitter.removeListener.bind(emitter),
        off: emitter.off.bind(emitter),
      };
      if (without) delete server[without];
      return server as never;
    };
    const off = drainHttp(lookalike(), { shutdown: make() });
    off();
    for (const method of methods) {
      expect(() => drainHttp(lookalike(method), { shutdown: make() }), method).toThrow(
        /^Expected `server` to be a node:http/,
      );
    }
  });

  it('once shutdown began, throws ShutdownInProgressError and leaves the server untouched', async () => {
    const sd = make();
    await sd.shutdown();
    const server = http.createServer();
    const listeners = () => server.eventNames().map((e) => [e, server.listenerCount(e)]);
    const before = listeners();
    expect(() => drainHttp(server, { shutdown: sd })).toThrow(ShutdownInProgressError);
    expect(listeners()).toEqual(before);
    // And it can still be drained by another instance.
    expect(() => drainHttp(server, { shutdown: make() })).not.toThrow();
  });

  it('unregistering detaches every listener it added', () => {
    const sd = make();
    const server = http.createServer();
    const before = server.eventNames().map((e) => [e, server.listenerCount(e)]);
    const off = drainHttp(server, { shutdown: sd });
    expect(server.listenerCount('request')).toBe(1);
    off();
    expect(server.eventNames().map((e) => [e, server.listenerCount(e)])).toEqual(before);
    expect(sd.isShuttingDown()).toBe(false);
  });
});

describe('drainHttp: faults', () => {
  it('survives a client resetting its connection mid-request during the drain', async () => {
    const sd = make();
    let received!: () => void;
    const inFlight = new Promise<void>((r) => {
      received = r;
    });
    const server = http.createServer((_req, res) => {
      received();
      setTimeout(() => res.end('late'), 100);
    });
    drainHttp(server, { shutdown: sd });
    const port = await listening(server);
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await inFlight;
    const done = sd.shutdown();
    client.resetAndDestroy();
    const report = await done;
    expect(report.hooks[0]!.status).toBe('ok');
    expect(server.listening).toBe(false);
  });

  it('a server that never listened drains at once', async () => {
    const sd = make();
    drainHttp(http.createServer(), { shutdown: sd });
    expect((await sd.shutdown()).hooks[0]!.status).toBe('ok');
  });
});

describe('readinessHandler and isDraining', () => {
  it('answers 200, then 503 once shutting down', async () => {
    const sd = make();
    const ready = readinessHandler({ shutdown: sd });
    const answer = () => {
      const res = { statusCode: 0, headers: {} as Record<string, string>, body: '' };
      ready(
        {} as never,
        {
          set statusCode(v: number) {
            res.statusCode = v;
          },
          setHeader: (k: string, v: string) => {
            res.headers[k] = v;
          },
          end: (b: string) => {
            res.body = b;
          },
        } as never,
      );
      return res;
    };
    expect(answer()).toMatchObject({ statusCode: 200, body: 'ok\n' });
    await sd.shutdown();
    expect(answer()).toMatchObject({
      statusCode: 503,
      body: 'shutting down\n',
      headers: { 'cache-control': 'no-store' },
    });
  });

  it.skipIf(notOn(['bun'], BUN_CLOSES_IDLE))(
    'marks requests that arrive on a kept-alive connection during the drain',
    async () => {
      const sd = make();
      const seen: boolean[] = [];
      const server = http.createServer((req, res) => {
        seen.push(isDraining(req));
        res.end('ok');
      });
      drainHttp(server, { shutdown: sd, idleGrace: 5000 });
      const port = await listening(server);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = (path: string) =>
        new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
          http
            .get({ port, host: '127.0.0.1', path, agent }, (res) => {
              res.resume();
              res.on('end', () =>
                resolve({ status: res.statusCode!, connection: res.headers.connection }),
              );
            })
            .on('error', reject);
        });
      expect(await get('/a')).toEqual({ status: 200, connection: 'keep-alive' });
      const done = sd.shutdown();
      expect(await get('/b')).toEqual({ status: 200, connection: 'close' });
      expect(seen).toEqual([false, true]);
      await done;
      agent.destroy();
    },
  );
});

describe('drainHttp: its default deadline', () => {
  /**
   * A drained server with one upgraded connection whose peer never hangs up, and an application
   * that forgot to close its WebSockets (an `onUpgraded` that does nothing).
   */
  async function silentPeer(sd: ReturnType<typeof make>) {
    const server = http.createServer();
    server.on('upgrade', (_req, socket) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n',
      );
    });
    drainHttp(server, { shutdown: sd, onUpgraded: () => {} });
    const port = await listening(server);
    const peer = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    peer.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
    await once(peer, 'data');
    return peer;
  }

  it('leaves the later priorities their share when one upgraded peer never closes', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 1200 });
    sd.onShutdown('close-db', () => {}, { priority: Priority.RESOURCE });
    const peer = await silentPeer(sd);
    const ended = once(peer, 'end');
    const report = await sd.shutdown();
    expect(report.timedOut).toBe(false);
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['drain http', 'timeout'],
      ['close-db', 'ok'],
    ]);
    expect((report.hooks[0]!.error as Error).message).toMatch(
      /"drain http" did not finish within \d+ ms\. Destroyed what was still open: 1 upgraded or streaming connection\. To finish them, close WebSockets and event streams in `onUpgraded`\.$/,
    );
    expect((report.hooks[0]!.error as Error).message).not.toMatch(/ctx\.signal/);
    // The drain destroyed the upgraded socket at its deadline.
    await ended;
    peer.destroy();
  });

  it('may use the whole budget when nothing of lower priority follows', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 600 });
    const peer = await silentPeer(sd);
    const report = await sd.shutdown();
    // Cut by the global deadline, not by a share of it.
    expect(report.timedOut).toBe(true);
    expect(report.hooks[0]!.status).toBe('timeout');
    peer.destroy();
  });
});

describe("drainHttp: the server's own close()", () => {
  it.skipIf(onlyOn(['node'], "Node's close() sweeps idle sockets through closeIdleConnections()"))(
    "holds back its sweep of idle sockets, and leaves the server's closeIdleConnections as it was",
    async () => {
      let swept = 0;
      const own = () => {
        swept += 1;
      };
      const server = Object.assign(http.createServer(), { closeIdleConnections: own });
      await listening(server);
      const sd = make();
      drainHttp(server, { shutdown: sd });
      await sd.shutdown();
      expect(server.listening).toBe(false);
      expect(swept).toBe(0);
      expect(server.closeIdleConnections).toBe(own);
      // A server without one of its own is left without one.
      const plain = http.createServer();
      await listening(plain);
      const sd2 = make();
      drainHttp(plain, { shutdown: sd2 });
      await sd2.shutdown();
      expect(Object.hasOwn(plain, 'closeIdleConnections')).toBe(false);
      expect(plain.closeIdleConnections).toBe(http.Server.prototype.closeIdleConnections);
    },
  );
});

describe('drainHttp: the message of a drain that ran out of time', () => {
  it.skipIf(notOn(['bun'], BUN_CLOSES_IDLE))(
    'counts quiet keep-alive connections still waiting out idleGrace, with nothing to advise',
    async () => {
      const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 1200 });
      sd.onShutdown('close-db', () => {}, { priority: Priority.RESOURCE });
      const server = http.createServer((_req, res) => res.end('ok'));
      drainHttp(server, { shutdown: sd, idleGrace: 5000 });
      const port = await listening(server);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
      const get = () =>
        new Promise<void>((resolve, reject) => {
          http
            .get({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
              res.resume();
              res.on('end', () => resolve());
            })
            .on('error', reject);
        });
      await Promise.all([get(), get()]);
      const report = await sd.shutdown();
      expect(report.hooks[0]!.status).toBe('timeout');
      expect((report.hooks[0]!.error as Error).message).toMatch(
        /\. Destroyed what was still open: 2 quiet connections\.$/,
      );
      agent.destroy();
    },
  );
});

describe('drainHttp: undo and deadlines', () => {
  it('the function it returns takes the drain back', async () => {
    const sd = make();
    const server = http.createServer((_req, res) => res.end('ok'));
    const listeners = sd.listenerCount('done');
    const undo = drainHttp(server, { shutdown: sd });
    expect(sd.listenerCount('done')).toBe(listeners + 1);
    undo();
    expect(sd.listenerCount('done')).toBe(listeners);
    expect((await sd.shutdown()).hooks).toEqual([]);
    // And the server may be drained again.
    expect(() => drainHttp(server, { shutdown: make() })).not.toThrow();
  });

  it('a shutdown forced during the delay still closes the server', async () => {
    const fake = createFakeProcess();
    const sd = createShutdown({ process: fake, exit: false });
    const server = http.createServer((_req, res) => res.end('ok'));
    await listening(server);
    drainHttp(server, { shutdown: sd, delay: 5000 });
    const done = new Promise<ShutdownReport>((resolve) => sd.once('done', resolve));
    fake.emit('SIGINT');
    await new Promise((resolve) => setImmediate(resolve)); // the drain waits out its delay
    fake.emit('SIGINT'); // a person pressing Ctrl-C again: forced during the drain's delay
    const report = await done;
    expect(report.hooks[0]!.status).toBe('error');
    if (server.listening) await once(server, 'close');
    expect(server.listening).toBe(false);
  });
});

describe('drainHttp: its delay', () => {
  it('is refused when not less than its own timeout, or than the instance timeout', () => {
    const server = http.createServer();
    expect(() => drainHttp(server, { shutdown: make(), delay: 5000, timeout: 4000 })).toThrow(
      new TypeError(
        "Expected `delay` (5000) to be less than `timeout` (4000): the drain's timeout includes its delay, so the server would never drain. Raise `timeout` as well.",
      ),
    );
    expect(() => drainHttp(server, { shutdown: make(), delay: 4000, timeout: 4000 })).toThrow(
      /`delay` \(4000\) to be less than `timeout` \(4000\)/,
    );
    expect(() =>
      drainHttp(http.createServer(), { shutdown: make(), delay: 3999, timeout: 4000 }),
    ).not.toThrow();
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 8000 });
    expect(() => drainHttp(server, { shutdown: sd, delay: 8000 })).toThrow(
      new TypeError(
        'Expected `delay` (8000) of "drain http" to be less than the instance\'s `timeout` (8000): the delay is part of the global budget, so "drain http" would never run. Raise `timeout` with configureShutdown().',
      ),
    );
    // Nothing was attached by the refused calls.
    expect(() => drainHttp(server, { shutdown: sd, delay: 7000 })).not.toThrow();
    // Nor may the instance's timeout shrink under it afterwards.
    expect(() => sd.configure({ timeout: 7000 })).toThrow(/`delay` \(7000\) of "drain http"/);
    expect(() => sd.configure({ timeout: 7001 })).not.toThrow();
  });

  it('replaces the instance delay for the drain, and never adds to it', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false, delay: 2000 });
    const server = http.createServer((_req, res) => res.end('ok'));
    await listening(server);
    drainHttp(server, { shutdown: sd, delay: 100 });
    let closedAfter = 0;
    const t0 = Date.now();
    server.once('close', () => {
      closedAfter = Date.now() - t0;
    });
    const report = await sd.shutdown();
    expect(report.hooks.map((h) => h.status)).toEqual(['ok']);
    // The drain's own 100 ms, not the instance's 2000, nor both.
    expect(closedAfter).toBeGreaterThanOrEqual(95);
    expect(closedAfter).toBeLessThan(1500);
  });

  it('leaves a request in flight when the delay ends the time after the delay, not a share of it', async () => {
    // As drainHttp(server, { delay: 5000 }) under the default timeout of 8000, scaled down: a
    // request still in flight when the delay ends, answered 600 ms after it. A share of the time
    // counted from the start, delay included, cut it off at 1500 ms; after the delay, at 1750.
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 2000 });
    sd.onShutdown('close-db', () => {}, { priority: Priority.RESOURCE });
    let arrived!: () => void;
    const seen = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let done: Promise<ShutdownReport> | undefined;
    const server = http.createServer((_req, res) => {
      arrived();
      done = sd.shutdown();
      setTimeout(() => res.end('ok'), 1600);
    });
    const port = await listening(server);
    drainHttp(server, { shutdown: sd, delay: 1000 });
    const response = fetch(`http://127.0.0.1:${port}/`).then((r) => r.status);
    await seen;
    const report = await done!;
    expect(await response).toBe(200);
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['drain http', 'ok'],
      ['close-db', 'ok'],
    ]);
    expect(report.exitCode).toBe(0);
  });
});

describe("drainHttp: the server's 'close' event", () => {
  const closes = (server: http.Server) => {
    let count = 0;
    server.on('close', () => {
      count += 1;
    });
    return () => count;
  };

  it('fires exactly once after a drain, with and without idle keep-alive sockets', async () => {
    for (const idle of [false, true]) {
      const sd = make();
      const server = http.createServer((_req, res) => res.end('ok'));
      const count = closes(server);
      const port = await listening(server);
      drainHttp(server, { shutdown: sd, idleGrace: 0 });
      const agent = new http.Agent({ keepAlive: true });
      if (idle) {
        await new Promise<void>((resolve, reject) => {
          http
            .get({ port, host: '127.0.0.1', agent }, (res) => res.resume().on('end', resolve))
            .on('error', reject);
        });
      }
      await sd.shutdown();
      // A second 'close' would come on the next tick of a second close().
      await new Promise((resolve) => setImmediate(resolve));
      expect(count(), `idle keep-alive socket: ${idle}`).toBe(1);
      agent.destroy();
    }
  });

  it('never fires for a server that never listened', async () => {
    const sd = make();
    const server = http.createServer();
    const count = closes(server);
    drainHttp(server, { shutdown: sd });
    await sd.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect(count()).toBe(0);
  });
});

describe('drainHttp: longLived', () => {
  /** A server whose /poll holds its response open (a long-poll) until the drain ends it. */
  async function polling(sd: ReturnType<typeof make>, options: Parameters<typeof drainHttp>[1]) {
    let arrived!: () => void;
    const polled = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = http.createServer((req, res) => {
      if (req.url !== '/poll') return void res.end('ok');
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      arrived();
    });
    drainHttp(server, { shutdown: sd, ...options });
    const port = await listening(server);
    const body = new Promise<string>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', path: '/poll' }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    // The long-poll is in flight before the shutdown. (In an object: an async function returning
    // the promise itself would wait for it.)
    await polled;
    return { body };
  }

  it('hands a long-poll to onUpgraded as long-lived, and the drain ends with it, not at its deadline', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 3000 });
    const seen: string[] = [];
    const { body } = await polling(sd, {
      longLived: (req) => req.url === '/poll',
      onUpgraded: (connection) => {
        seen.push(`${connection.kind} ${connection.request.url}`);
        if (connection.kind === 'long-lived') connection.response.end('bye');
      },
    });
    const report = await sd.shutdown();
    expect(seen).toEqual(['long-lived /poll']);
    expect(await body).toBe('bye');
    expect(report.hooks[0]!.status).toBe('ok');
    expect(report.durationMs).toBeLessThan(1000);
  });

  it('without onUpgraded, ends it with res.end()', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 3000 });
    const { body } = await polling(sd, { longLived: (req) => req.url === '/poll' });
    const report = await sd.shutdown();
    expect(await body).toBe('');
    expect(report.hooks[0]!.status).toBe('ok');
  });

  it('without longLived, the long-poll holds the drain to its deadline, and the message says what to do', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 1200 });
    sd.onShutdown('close-db', () => {}, { priority: Priority.RESOURCE });
    const { body } = await polling(sd, {});
    const report = await sd.shutdown();
    expect(report.hooks[0]!.status).toBe('timeout');
    expect((report.hooks[0]!.error as Error).message).toMatch(
      /1 connection with a request in flight.*picked out with `longLived`/,
    );
    // Destroyed at the deadline.
    await expect(body).rejects.toThrow();
  });

  it('a predicate that throws picks nothing, and the drain goes on', async () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 600 });
    const { body } = await polling(sd, {
      longLived: () => {
        throw new Error('bug in the predicate');
      },
    });
    const report = await sd.shutdown();
    expect(report.hooks[0]!.status).toBe('timeout');
    await expect(body).rejects.toThrow();
  });

  it.skipIf(notOn(['bun'], BUN_CLOSES_IDLE))(
    'hands over a long-poll that arrives on a kept-alive connection once the drain has begun',
    async () => {
      const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 3000 });
      const seen: string[] = [];
      const server = http.createServer((req, res) => {
        if (req.url !== '/poll') return void res.end('ok');
        res.writeHead(200, { 'Content-Type': 'text/plain' });
      });
      drainHttp(server, {
        shutdown: sd,
        idleGrace: 5000,
        longLived: (req) => req.url === '/poll',
        onUpgraded: (connection) => {
          seen.push(`${connection.kind} ${connection.request.url}`);
          if (connection.kind === 'long-lived') connection.response.end('bye');
        },
      });
      const port = await listening(server);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const text = (path: string) =>
        new Promise<string>((resolve, reject) => {
          http
            .get({ port, host: '127.0.0.1', path, agent }, (res) => {
              let body = '';
              res.setEncoding('utf8').on('data', (chunk: string) => {
                body += chunk;
              });
              res.on('end', () => resolve(body));
            })
            .on('error', reject);
        });
      expect(await text('/')).toBe('ok');
      const started = new Promise((resolve) => sd.once('hook:start', resolve));
      const done = sd.shutdown();
      await started;
      expect(seen).toEqual([]);
      expect(await text('/poll')).toBe('bye');
      const report = await done;
      expect(seen).toEqual(['long-lived /poll']);
      expect(report.hooks[0]!.status).toBe('ok');
      expect(report.durationMs).toBeLessThan(1000);
      agent.destroy();
    },
  );

  it('at the deadline, the message counts a long-poll onUpgraded left open', async () => {
    // A hook after the drain: the drain has its share of the time, and its own message.
    const sd = createShutdown({ process: createFakeProcess(), exit: false, timeout: 1200 });
    sd.onShutdown('close-db', () => {}, { priority: Priority.RESOURCE });
    const { body } = await polling(sd, {
      longLived: (req) => req.url === '/poll',
      onUpgraded: () => {},
    });
    const report = await sd.shutdown();
    expect(report.hooks[0]!.status).toBe('timeout');
    expect((report.hooks[0]!.error as Error).message).toMatch(
      /Destroyed what was still open: 1 upgraded or streaming connection\. To finish them, close WebSockets and event streams in `onUpgraded`\.$/,
    );
    await expect(body).rejects.toThrow();
  });

  it('is refused when it is not a function', () => {
    const sd = make();
    expect(() =>
      drainHttp(http.createServer(), { shutdown: sd, longLived: '/poll' as never }),
    ).toThrow(/`longLived`/);
  });
});
