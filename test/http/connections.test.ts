// HTTP/1 connections at the socket level: the idle race every peer loses (a client starts sending
// a request on a kept-alive socket just as the server decides it is idle), and pipelining.
import { once } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { drainHttp } from '../../src/http/index.js';
import { createShutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { BUN_CLOSES_IDLE, notOn } from '../support/child.js';
import { rawClient, until } from './raw.js';

let server: http.Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

const instance = () => createShutdown({ process: createFakeProcess(), exit: false });

it.skipIf(
  notOn(
    ['bun'],
    "Bun's node:http parses a request before its server sees the socket's bytes and closes idle keep-alive connections itself: these raw-socket cases are Node's and Deno's",
  ),
)('never closes a quiet socket under a request that has started to arrive', async () => {
  const sd = instance();
  const serverSockets: Socket[] = [];
  server = http.createServer((_req, res) => res.end('ok'));
  server.on('connection', (s) => serverSockets.push(s));
  drainHttp(server, { shutdown: sd, idleGrace: 0 });
  const client = await rawClient(server);
  await client.send('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
  expect(client.received()).toMatch(/connection: keep-alive/i);

  // Half of the next request reaches the server; then the drain starts with no grace at all.
  const before = serverSockets[0]!.bytesRead;
  await client.send('GET /second HTTP/1.1\r\nHo', false);
  await until(() => serverSockets[0]!.bytesRead > before);
  client.clear();
  const done = sd.shutdown();
  await new Promise((r) => setImmediate(r));
  expect(serverSockets[0]!.destroyed || serverSockets[0]!.writableEnded).toBe(false);
  await client.send('st: x\r\n\r\n', false);
  await once(client.socket, 'end');
  expect(client.received()).toMatch(/^HTTP\/1.1 200 OK/);
  expect(client.received()).toMatch(/connection: close/i);
  expect((await done).hooks[0]!.status).toBe('ok');
  client.socket.destroy();
});

it('closes a quiet socket with nothing arriving, right away when idleGrace is 0', async () => {
  const sd = instance();
  server = http.createServer((_req, res) => res.end('ok'));
  drainHttp(server, { shutdown: sd, idleGrace: 0 });
  const client = await rawClient(server);
  await client.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const ended = once(client.socket, 'end');
  const report = await sd.shutdown();
  await ended;
  expect(report.hooks[0]!.status).toBe('ok');
  client.socket.destroy();
});

it('with pipelining, answers every queued request and closes after the last one', async () => {
  const sd = instance();
  let arrived = 0;
  let arrivedBoth!: () => void;
  const both = new Promise<void>((r) => {
    arrivedBoth = r;
  });
  server = http.createServer((req, res) => {
    arrived += 1;
    if (arrived === 2) arrivedBoth();
    setTimeout(() => res.end(`answer ${req.url}`), 50);
  });
  drainHttp(server, { shutdown: sd, idleGrace: 0 });
  const client = await rawClient(server);
  await client.send(
    'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n',
    false,
  );
  await both;
  const done = sd.shutdown();
  await once(client.socket, 'end');
  const responses = client.received().split('HTTP/1.1 ').slice(1);
  expect(responses).toHaveLength(2);
  expect(responses[0]).toMatch(/connection: keep-alive/i);
  expect(responses[0]).toContain('answer /one');
  expect(responses[1]).toMatch(/connection: close/i);
  expect(responses[1]).toContain('answer /two');
  expect((await done).hooks[0]!.status).toBe('ok');
  client.socket.destroy();
});

it.skipIf(notOn(['bun'], BUN_CLOSES_IDLE))(
  'adopts a connection accepted before drainHttp() once it sends a request',
  async () => {
    const sd = instance();
    server = http.createServer((_req, res) => res.end('ok'));
    const client = await rawClient(server);
    await client.send('GET /before HTTP/1.1\r\nHost: x\r\n\r\n');
    drainHttp(server, { shutdown: sd, idleGrace: 5000 });
    client.clear();
    await client.send('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(client.received()).toMatch(/connection: keep-alive/i);
    const done = sd.shutdown();
    client.clear();
    await client.send('GET /during HTTP/1.1\r\nHost: x\r\n\r\n', false);
    await once(client.socket, 'end');
    expect(client.received()).toMatch(/connection: close/i);
    expect((await done).hooks[0]!.status).toBe('ok');
    client.socket.destroy();
  },
);

it.skipIf(
  notOn(
    ['bun'],
    "Bun's node:http parses a request before its server sees the socket's bytes and closes idle keep-alive connections itself: these raw-socket cases are Node's and Deno's",
  ),
)(
  'at the deadline, destroys a connection accepted before drainHttp() whose request still runs',
  async () => {
    const sd = instance();
    server = http.createServer((req, res) => {
      if (req.url === '/hang') return; // never answered
      res.end('ok');
    });
    const client = await rawClient(server);
    await client.send('GET /before HTTP/1.1\r\nHost: x\r\n\r\n');
    drainHttp(server, { shutdown: sd, timeout: 50 });
    await client.send('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n', false);
    await until(() => server!.listenerCount('request') > 0 && client.socket.bytesWritten > 0);
    const closed = once(client.socket, 'close');
    const report = await sd.shutdown();
    expect(report.hooks[0]!.status).toBe('timeout');
    await closed;
    expect(client.socket.destroyed).toBe(true);
  },
);
