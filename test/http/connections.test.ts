// HTTP/1 connections at the socket level: the idle race every peer loses (a client starts sending
// a request on a kept-alive socket just as the server decides it is idle), and pipelining.
import { once } from 'node:events';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { drainHttp } from '../../src/http/index.js';
import { createShutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

let server: http.Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

/** Waits, one event-loop turn at a time, until `check` holds (bounded). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  expect(check()).toBe(true);
}

it('never closes a quiet socket under a request that has started to arrive', async () => {
  const sd = createShutdown({ process: createFakeProcess(), exit: false });
  const serverSockets: Socket[] = [];
  server = http.createServer((_req, res) => res.end('ok'));
  server.on('connection', (s) => serverSockets.push(s));
  drainHttp(server, { shutdown: sd, idleGrace: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  const client = connect(port, '127.0.0.1');
  let received = '';
  client.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  await once(client, 'connect');
  client.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => received.includes('\r\n\r\nok'));
  expect(received).toMatch(/connection: keep-alive/i);

  // Half of the next request reaches the server; then the drain starts with no grace at all.
  const before = serverSockets[0]!.bytesRead;
  client.write('GET /second HTTP/1.1\r\nHo');
  await until(() => serverSockets[0]!.bytesRead > before);
  received = '';
  const done = sd.shutdown();
  await new Promise((r) => setImmediate(r));
  expect(serverSockets[0]!.destroyed || serverSockets[0]!.writableEnded).toBe(false);
  client.write('st: x\r\n\r\n');
  await once(client, 'end');
  expect(received).toMatch(/^HTTP\/1.1 200 OK/);
  expect(received).toMatch(/connection: close/i);
  expect((await done).hooks[0]!.status).toBe('ok');
  client.destroy();
});

it('closes a quiet socket with nothing arriving, right away when idleGrace is 0', async () => {
  const sd = createShutdown({ process: createFakeProcess(), exit: false });
  server = http.createServer((_req, res) => res.end('ok'));
  drainHttp(server, { shutdown: sd, idleGrace: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  client.resume();
  await once(client, 'connect');
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(client, 'data');
  const ended = once(client, 'end');
  const report = await sd.shutdown();
  await ended;
  expect(report.hooks[0]!.status).toBe('ok');
  client.destroy();
});

it('with pipelining, answers every queued request and closes after the last one', async () => {
  const sd = createShutdown({ process: createFakeProcess(), exit: false });
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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  let received = '';
  client.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  await once(client, 'connect');
  client.write('GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n');
  await both;
  const done = sd.shutdown();
  await once(client, 'end');
  const responses = received.split('HTTP/1.1 ').slice(1);
  expect(responses).toHaveLength(2);
  expect(responses[0]).toMatch(/connection: keep-alive/i);
  expect(responses[0]).toContain('answer /one');
  expect(responses[1]).toMatch(/connection: close/i);
  expect(responses[1]).toContain('answer /two');
  expect((await done).hooks[0]!.status).toBe('ok');
  client.destroy();
});

it('adopts a connection accepted before drainHttp() once it sends a request', async () => {
  const sd = createShutdown({ process: createFakeProcess(), exit: false });
  server = http.createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  let received = '';
  client.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  await once(client, 'connect');
  client.write('GET /before HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => received.includes('\r\n\r\nok'));
  drainHttp(server, { shutdown: sd, idleGrace: 5000 });
  received = '';
  client.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => received.includes('\r\n\r\nok'));
  expect(received).toMatch(/connection: keep-alive/i);
  const done = sd.shutdown();
  received = '';
  client.write('GET /during HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(client, 'end');
  expect(received).toMatch(/connection: close/i);
  expect((await done).hooks[0]!.status).toBe('ok');
  client.destroy();
});
