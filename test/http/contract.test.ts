// One contract, run against every server kind: real servers on port 0, real keep-alive clients.
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BUN_CLOSES_IDLE, notOn } from '../support/child.js';
import { connect, KINDS, type Running } from './kinds.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

function track<T extends { close(): Promise<void> }>(thing: T): T {
  cleanup.push(() => thing.close());
  return thing;
}

/** Resolves with the error code of a fresh TCP connection attempt, or 'connected'. */
function tryConnect(running: Running): Promise<string> {
  const port = Number(new URL(running.origin).port);
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** Opens a WebSocket and an event stream on `running`; resolves once both are in. */
async function openLongLived(running: Running) {
  const ws = new WebSocket(`${running.origin.replace('http', 'ws')}/ws`, {
    rejectUnauthorized: false,
  });
  cleanup.push(async () => ws.terminate());
  await once(ws, 'open');
  const closedWs = once(ws, 'close');
  const sse = track(connect(running));
  const events = sse.get('/sse', { accept: 'text/event-stream' });
  await running.probe.until(1);
  return { closedWs, events };
}

describe.each(KINDS)('$name', (kind) => {
  it('completes in-flight requests, closing their connection', async () => {
    const running = track(await kind.start());
    const clients = [connect(running), connect(running), connect(running)];
    cleanup.push(async () => {
      for (const c of clients) await c.close();
    });
    const pending = clients.map((c) => c.get('/slow?ms=300'));
    await running.probe.until(3);
    const done = running.sd.shutdown();
    const replies = await Promise.all(pending);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('slow');
      if (kind.protocol === 'h1') expect(reply.headers.connection).toBe('close');
    }
    await Promise.all(clients.map((c) => c.closed));
    const report = await done;
    expect(report.hooks.filter((h) => h.status !== 'ok')).toEqual([]);
  });

  it.skipIf(notOn(['bun'], BUN_CLOSES_IDLE))(
    'serves a request sent on a kept-alive connection after the drain began, then closes it',
    async () => {
      // A long idleGrace keeps the quiet socket open, so the request meets a draining server.
      const running = track(await kind.start({ drain: { idleGrace: 5000 } }));
      const client = track(connect(running));
      expect((await client.get('/fast')).status).toBe(200);
      const done = running.sd.shutdown();
      await new Promise((r) => setImmediate(r));
      if (kind.protocol === 'h1') {
        const reply = await client.get('/fast');
        expect(reply.status).toBe(200);
        expect(reply.headers.connection).toBe('close');
      } else {
        // HTTP/2: GOAWAY went out; a new stream is refused cleanly, never half-processed.
        const outcome = await client.get('/fast').then(
          (r) => r.status,
          (error: NodeJS.ErrnoException) => error.code,
        );
        expect([
          'ERR_HTTP2_GOAWAY_SESSION',
          'ERR_HTTP2_INVALID_SESSION',
          'ERR_HTTP2_STREAM_ERROR',
        ]).toContain(outcome);
      }
      await client.closed;
      expect((await done).hooks[0]!.status).toBe('ok');
    },
  );

  it('closes quiet keep-alive connections promptly', async () => {
    const running = track(await kind.start({ timeout: 5000, drain: { idleGrace: 20 } }));
    const clients = [connect(running), connect(running)];
    cleanup.push(async () => {
      for (const c of clients) await c.close();
    });
    for (const c of clients) expect((await c.get('/fast')).status).toBe(200);
    const report = await running.sd.shutdown();
    await Promise.all(clients.map((c) => c.closed));
    // Left open, they would have held the drain until the 5 s deadline cut it off.
    expect(report.hooks[0]!.status).toBe('ok');
    expect(report.timedOut).toBe(false);
  });

  it('refuses new connections once draining', async () => {
    const running = track(await kind.start());
    const client = track(connect(running));
    const slow = client.get('/slow?ms=300');
    await running.probe.until(1);
    const done = running.sd.shutdown();
    await new Promise((r) => setImmediate(r));
    expect(await tryConnect(running)).toBe('ECONNREFUSED');
    expect((await slow).status).toBe(200);
    await done;
  });

  it('turns readiness to 503 at once while other routes keep serving during delay', async () => {
    const running = track(await kind.start({ delay: 300 }));
    const client = track(connect(running));
    expect((await client.get('/ready')).status).toBe(200);
    const done = running.sd.shutdown();
    const ready = await client.get('/ready');
    expect(ready.status).toBe(503);
    const fast = await client.get('/fast');
    expect(fast.status).toBe(200);
    expect(fast.body).toBe('fast');
    await client.close();
    await done;
  });

  it('destroys stragglers at the deadline', async () => {
    const running = track(await kind.start({ drain: { timeout: 200 } }));
    const client = track(connect(running));
    const hanging = client.get('/hang').then(
      () => 'answered',
      () => 'destroyed',
    );
    await running.probe.until(1);
    const report = await running.sd.shutdown();
    expect(await hanging).toBe('destroyed');
    expect(report.hooks[0]!.status).toBe('timeout');
  });

  it.runIf(kind.websocket)(
    'without onUpgraded, ends WebSocket connections and event streams',
    async () => {
      const running = track(await kind.start());
      const { closedWs, events } = await openLongLived(running);
      const report = await running.sd.shutdown();
      // The socket ended under the WebSocket, with no close frame; the stream ended after its events.
      const [code] = await closedWs;
      expect(code).toBe(1006);
      expect((await events).body).toBe('data: hello\n\n');
      expect(report.hooks[0]!.status).toBe('ok');
    },
  );

  it.runIf(kind.websocket)('hands WebSocket and SSE connections to onUpgraded', async () => {
    const handed: string[] = [];
    const running = track(
      await kind.start({
        drain: {
          onUpgraded(connection) {
            handed.push(connection.kind);
            if (connection.kind === 'event-stream') {
              connection.response.end('event: bye\ndata: shutting down\n\n');
            } else {
              for (const ws of running.wss!.clients) ws.close(1001, 'going away');
            }
          },
        },
      }),
    );
    const { closedWs, events } = await openLongLived(running);
    const report = await running.sd.shutdown();
    const [code] = await closedWs;
    expect(code).toBe(1001);
    const stream = await events;
    expect(stream.body).toContain('data: hello');
    expect(stream.body).toContain('event: bye');
    expect(handed.sort()).toEqual(['event-stream', 'upgrade']);
    expect(report.hooks[0]!.status).toBe('ok');
  });
});

describe('several servers', () => {
  it('drains two servers at once on one instance', async () => {
    const { createShutdown } = await import('../../src/index.js');
    const { createFakeProcess } = await import('../../src/testing/index.js');
    const { drainHttp } = await import('../../src/http/index.js');
    const http = await import('node:http');
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    let arrived = 0;
    let bothArrived!: () => void;
    const both = new Promise<void>((r) => {
      bothArrived = r;
    });
    const servers = [0, 1].map(() =>
      http.createServer((_req, res) => {
        arrived += 1;
        if (arrived === 2) bothArrived();
        setTimeout(() => res.end('ok'), 200);
      }),
    );
    for (const [i, server] of servers.entries())
      drainHttp(server, { shutdown: sd, name: `api-${i}` });
    for (const server of servers) server.listen(0, '127.0.0.1');
    await Promise.all(servers.map((s) => once(s, 'listening')));
    const { request } = await import('../support/undici.js');
    const replies = servers.map((s) =>
      request(`http://127.0.0.1:${(s.address() as { port: number }).port}/`),
    );
    await both;
    const report = await sd.shutdown();
    for (const reply of await Promise.all(replies)) {
      expect(reply.statusCode).toBe(200);
      expect(reply.headers.connection).toBe('close');
      await reply.body.text();
    }
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['api-0', 'ok'],
      ['api-1', 'ok'],
    ]);
    expect(servers.every((s) => !s.listening)).toBe(true);
  });
});
