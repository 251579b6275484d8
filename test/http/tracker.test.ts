// Every way a connection reaches the drain besides a plain request: one that never sends a request,
// one still in its TLS handshake, one accepted before drainHttp(), one upgraded behind a pipelined
// request or during the drain, an HTTP/2 session older than drainHttp(), and connections a server
// is fed by hand (sticky sessions), which its own close() does not wait for.
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { type DrainOptions, drainHttp } from '../../src/http/index.js';
import { createShutdown, type Shutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { notOn } from '../support/child.js';
import { certificate } from './kinds.js';
import { rawClient, until } from './raw.js';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const thing of open.splice(0)) thing.close();
});

/** Closed after the test: servers with their connections, client sockets and sessions. */
function track<T extends Server | Socket | http2.ClientHttp2Session>(thing: T): T {
  open.push({
    close: () => {
      if ('listening' in thing) {
        (thing as Partial<http.Server>).closeAllConnections?.();
        thing.close();
      } else thing.destroy();
    },
  });
  return thing;
}

const instance = (): Shutdown =>
  createShutdown({ process: createFakeProcess(), exit: false, timeout: 5000 });

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const UPGRADE = 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n';
const SWITCHING =
  'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n';

/** Accepts every upgrade with a 101; resolves with the first upgraded socket. */
function acceptUpgrades(server: http.Server): Promise<Duplex> {
  return new Promise((resolve) => {
    server.on('upgrade', (_req, socket: Duplex) => {
      socket.write(SWITCHING);
      resolve(socket);
    });
  });
}

describe('connections without a request', () => {
  it('closes, as idle, a connection that never sent a request', async () => {
    const sd = instance();
    const server = track(http.createServer((_req, res) => res.end('ok')));
    drainHttp(server, { shutdown: sd, idleGrace: 0 });
    const accepted = once(server, 'connection');
    const client = track((await rawClient(server)).socket);
    await accepted;
    const closed = once(client, 'close');
    const report = await sd.shutdown();
    await closed;
    expect(report.hooks[0]!.status).toBe('ok');
  });

  it('closes, as idle, a TLS connection that finished its handshake but sent no request', async () => {
    const sd = instance();
    const server = track(https.createServer(await certificate(), (_req, res) => res.end('ok')));
    drainHttp(server, { shutdown: sd, idleGrace: 0 });
    const port = await listen(server);
    const secured = once(server, 'secureConnection');
    const client = track(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }));
    await Promise.all([once(client, 'secureConnect'), secured]);
    const closed = once(client, 'close');
    const report = await sd.shutdown();
    await closed;
    expect(report.hooks[0]!.status).toBe('ok');
  });

  /** An https server with one TCP connection that has not started its TLS handshake. */
  async function beforeHandshake(sd: Shutdown, drain: DrainOptions) {
    const server = track(https.createServer(await certificate(), (_req, res) => res.end('ok')));
    drainHttp(server, { shutdown: sd, idleGrace: 0, ...drain });
    const port = await listen(server);
    const accepted = once(server, 'connection');
    const client = track(connect(port, '127.0.0.1'));
    const [socket] = (await accepted) as [Socket];
    return { server, client, socket };
  }

  it.skipIf(
    notOn(
      ['bun'],
      "Bun's https server shows a connection only once its TLS handshake is done: one still in its handshake is closed by Bun's own close",
    ),
  )(
    'keeps a connection still in its TLS handshake until the deadline, then destroys it',
    async () => {
      const sd = instance();
      const { socket } = await beforeHandshake(sd, { timeout: 100 });
      const report = await sd.shutdown();
      expect(report.hooks[0]!.status).toBe('timeout');
      expect(socket.destroyed).toBe(true);
    },
  );

  it.skipIf(
    notOn(
      ['bun'],
      "Bun's https server shows a connection only once its TLS handshake is done: one still in its handshake is closed by Bun's own close",
    ),
  )('ends the drain as soon as a connection still in its TLS handshake goes away', async () => {
    const sd = instance();
    const { server, client } = await beforeHandshake(sd, {});
    const done = sd.shutdown();
    await until(() => !server.listening);
    client.destroy();
    expect((await done).hooks[0]!.status).toBe('ok');
  });

  it.skipIf(
    notOn(
      ['bun'],
      "Bun's https server shows a connection only once its TLS handshake is done: one still in its handshake is closed by Bun's own close",
    ),
  )('closes, as idle, a connection whose TLS handshake completes during the drain', async () => {
    const sd = instance();
    const { server, client } = await beforeHandshake(sd, {});
    const done = sd.shutdown();
    await until(() => !server.listening);
    const secure = tls.connect({
      socket: client,
      servername: 'localhost',
      rejectUnauthorized: false,
    });
    await once(secure, 'secureConnect');
    const closed = once(secure, 'close');
    expect((await done).hooks[0]!.status).toBe('ok');
    await closed;
  });
});

describe('upgrades', () => {
  it('leaves an upgrade request to the request handler when the application listens for no upgrade', async () => {
    const sd = instance();
    const server = track(http.createServer());
    drainHttp(server, { shutdown: sd });
    // Listeners added after drainHttp() must not make it listen for upgrades either.
    server.on('request', (req, res) => res.end(`served ${req.url}`));
    const client = await rawClient(server);
    track(client.socket);
    await client.send(UPGRADE, false);
    await until(() => client.received().includes('served /ws'));
  });

  /**
   * A request to /slow, then an upgrade pipelined behind it: Node hands over the socket at once,
   * and the response to /slow is written on it later.
   */
  async function upgradeBehindRequest(sd: Shutdown) {
    /** Answers /slow; resolves once the response has closed (so the drain has counted it). */
    let answer!: () => Promise<unknown>;
    let arrived!: () => void;
    const requested = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = track(
      http.createServer((_req, res) => {
        answer = () => {
          const closed = once(res, 'close');
          res.end('slow');
          return closed;
        };
        arrived();
      }),
    );
    const upgraded = acceptUpgrades(server);
    const handed: boolean[] = [];
    drainHttp(server, {
      shutdown: sd,
      idleGrace: 0,
      // Whether the socket was still usable when the application got it.
      onUpgraded: (connection) => {
        handed.push(connection.socket.destroyed);
      },
    });
    const client = await rawClient(server);
    track(client.socket);
    await client.send(`GET /slow HTTP/1.1\r\nHost: x\r\n\r\n${UPGRADE}`, false);
    const [socket] = await Promise.all([upgraded, requested]);
    return { client, socket, handed, answer };
  }

  it.skipIf(
    notOn(
      ['bun'],
      "Bun's node:http does not take a request and an upgrade pipelined on one raw socket, nor an upgrade once its listener closed",
    ),
  )(
    'hands over an upgraded socket whose earlier pipelined response is done, never closing it as idle',
    async () => {
      const sd = instance();
      const { client, socket, handed, answer } = await upgradeBehindRequest(sd);
      const closed = once(socket, 'close');
      await answer();
      await until(() => client.received().includes('slow'));
      const done = sd.shutdown();
      await until(() => handed.length === 1);
      expect(handed).toEqual([false]);
      socket.end();
      await closed;
      expect((await done).hooks[0]!.status).toBe('ok');
    },
  );

  it.skipIf(
    notOn(
      ['bun'],
      "Bun's node:http does not take a request and an upgrade pipelined on one raw socket, nor an upgrade once its listener closed",
    ),
  )(
    'hands over an upgraded socket whose earlier pipelined response is in flight, leaving that response alone',
    async () => {
      const sd = instance();
      const { client, socket, handed, answer } = await upgradeBehindRequest(sd);
      const done = sd.shutdown();
      await until(() => handed.length === 1);
      expect(handed).toEqual([false]);
      await answer();
      await until(() => client.received().includes('slow'));
      // The socket belongs to the upgrade now: the drain must not ask Node to close it.
      expect(client.received()).toMatch(/connection: keep-alive/i);
      expect(client.received()).not.toMatch(/connection: close/i);
      socket.end();
      expect((await done).hooks[0]!.status).toBe('ok');
    },
  );

  it.skipIf(
    notOn(
      ['bun'],
      "Bun's node:http does not take a request and an upgrade pipelined on one raw socket, nor an upgrade once its listener closed",
    ),
  )('hands over at once a connection upgraded during the drain', async () => {
    const sd = instance();
    const server = track(http.createServer((_req, res) => res.end('ok')));
    acceptUpgrades(server);
    const handed: string[] = [];
    drainHttp(server, {
      shutdown: sd,
      idleGrace: 10_000,
      onUpgraded: (connection) => {
        handed.push(connection.kind);
        connection.socket.end();
      },
    });
    const client = await rawClient(server);
    track(client.socket);
    await client.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const done = sd.shutdown();
    await until(() => !server.listening);
    client.clear();
    client.socket.write(UPGRADE);
    const report = await done;
    // Handed over once the application had accepted it.
    expect(client.received()).toMatch(/^HTTP\/1.1 101 Switching Protocols/);
    expect(handed).toEqual(['upgrade']);
    expect(report.hooks[0]!.status).toBe('ok');
  });

  it('at the deadline, destroys a socket accepted before drainHttp() and upgraded after', async () => {
    const sd = instance();
    const server = track(http.createServer());
    const upgraded = acceptUpgrades(server);
    const accepted = once(server, 'connection');
    const client = await rawClient(server);
    track(client.socket);
    await accepted;
    drainHttp(server, { shutdown: sd, timeout: 100, onUpgraded: () => {} });
    client.socket.write(UPGRADE);
    const socket = await upgraded;
    const report = await sd.shutdown();
    expect(report.hooks[0]!.status).toBe('timeout');
    expect(socket.destroyed).toBe(true);
  });
});

describe('HTTP/2 sessions opened before drainHttp()', () => {
  function request(session: http2.ClientHttp2Session, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path });
      let body = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      stream.on('end', () => resolve(body));
      stream.on('error', reject);
    });
  }

  /**
   * An h2c server answering /ok (and never /hang), and a client session that has made one request
   * before drainHttp().
   */
  async function olderSession(sd: Shutdown, drain: DrainOptions) {
    let hung!: () => void;
    const hanging = new Promise<void>((resolve) => {
      hung = resolve;
    });
    const server = track(
      http2.createServer((req, res) => {
        if (req.url === '/ok') res.end('ok');
        else hung();
      }) as unknown as Server,
    );
    const sessions: http2.ServerHttp2Session[] = [];
    server.on('session', (session: http2.ServerHttp2Session) => sessions.push(session));
    const port = await listen(server);
    const client = track(http2.connect(`http://127.0.0.1:${port}`));
    client.on('error', () => {});
    expect(await request(client, '/ok')).toBe('ok');
    drainHttp(server, { shutdown: sd, ...drain });
    return { server, client, session: sessions[0]!, hanging };
  }

  it('sends GOAWAY to a session that has made no request yet, and closes it', async () => {
    const sd = instance();
    const server = track(http2.createServer((_req, res) => res.end('ok')) as unknown as Server);
    drainHttp(server, { shutdown: sd, timeout: 2000 });
    const port = await listen(server);
    const client = track(http2.connect(`http://127.0.0.1:${port}`));
    client.on('error', () => {});
    await once(client, 'connect');
    const goaway = once(client, 'goaway');
    const closed = once(client, 'close');
    const report = await sd.shutdown();
    await goaway;
    await closed;
    expect(report.hooks[0]!.status).toBe('ok');
    expect(report.durationMs).toBeLessThan(1000);
  });

  it('adopts the session at its next stream and sends it GOAWAY at the drain', async () => {
    const sd = instance();
    const { client } = await olderSession(sd, {});
    expect(await request(client, '/ok')).toBe('ok');
    const goaway = once(client, 'goaway');
    const report = await sd.shutdown();
    await goaway;
    expect(report.hooks[0]!.status).toBe('ok');
  });

  it('adopts the session at a stream that arrives during the drain, and closes it after that stream', async () => {
    const sd = instance();
    const { server, client } = await olderSession(sd, {});
    const done = sd.shutdown();
    await until(() => !server.listening);
    expect(await request(client, '/ok')).toBe('ok');
    expect((await done).hooks[0]!.status).toBe('ok');
  });

  it('destroys the session at the deadline', async () => {
    const sd = instance();
    const { client, session, hanging } = await olderSession(sd, { timeout: 100 });
    request(client, '/hang').catch(() => {});
    await hanging;
    const gone = once(client, 'close');
    const report = await sd.shutdown();
    expect(report.hooks[0]!.status).toBe('timeout');
    expect(session.destroyed).toBe(true);
    await gone;
  });
});

describe('a server fed its connections by hand (sticky sessions)', () => {
  /** A front TCP server that passes every connection to `server`, which never listens itself. */
  async function feed(server: Server): Promise<number> {
    return listen(track(createServer((socket) => server.emit('connection', socket))));
  }

  it('waits for the last HTTP/2 stream, though the server has no listening socket to close', async () => {
    const sd = instance();
    let answer!: () => void;
    let arrived!: () => void;
    const requested = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = http2.createServer((_req, res) => {
      answer = () => res.end('slow');
      arrived();
    }) as unknown as Server;
    drainHttp(server, { shutdown: sd });
    const client = track(http2.connect(`http://127.0.0.1:${await feed(server)}`));
    client.on('error', () => {});
    const stream = client.request({ ':path': '/slow' });
    let body = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    await requested;
    const order: string[] = [];
    const done = sd.shutdown().then((report) => {
      order.push('report');
      return report;
    });
    await once(client, 'goaway');
    answer();
    await once(stream, 'end');
    order.push('response');
    const report = await done;
    expect(body).toBe('slow');
    expect(order).toEqual(['response', 'report']);
    expect(report.hooks[0]!.status).toBe('ok');
  });

  it('waits for a socket it first met upgraded, until the application closes it', async () => {
    const sd = instance();
    const server = http.createServer();
    const upgraded = acceptUpgrades(server);
    const fed = once(server, 'connection');
    // Reading, so the client sees the server's FIN and ends its side too.
    const client = track(connect(await feed(server), '127.0.0.1').resume());
    await fed;
    drainHttp(server, {
      shutdown: sd,
      onUpgraded: (connection) => {
        connection.socket.end();
      },
    });
    client.write(UPGRADE);
    const socket = await upgraded;
    const order: string[] = [];
    socket.once('close', () => order.push('closed'));
    const report = await sd.shutdown();
    order.push('report');
    expect(order).toEqual(['closed', 'report']);
    expect(report.hooks[0]!.status).toBe('ok');
  });
});
