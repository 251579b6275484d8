// rejectWhileDraining() on a real Express server: 503 with Retry-After once the drain began.
import { once } from 'node:events';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectWhileDraining } from '../../src/express/index.js';
import { drainHttp } from '../../src/http/index.js';
import { createShutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

const make = () => createShutdown({ process: createFakeProcess(), exit: false });

async function listening(server: http.Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('express: rejectWhileDraining', () => {
  it('passes requests through until the drain, then answers 503 with Retry-After', async () => {
    const sd = make();
    const guard = rejectWhileDraining({ retryAfter: 7 });
    const server = http.createServer((req, res) => guard(req, res, () => res.end('served')));
    drainHttp(server, { shutdown: sd, idleGrace: 5000 });
    const port = await listening(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
        (resolve) => {
          http.get({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (c: string) => {
              body += c;
            });
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          });
        },
      );
    expect(await get()).toMatchObject({ status: 200, body: 'served' });
    const done = sd.shutdown();
    const during = await get();
    expect(during.status).toBe(503);
    expect(during.headers['retry-after']).toBe('7');
    expect(during.headers.connection).toBe('close');
    expect(during.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(during.body).toBe('shutting down\n');
    await done;
    agent.destroy();
    expect(() => rejectWhileDraining({ retryAfter: -1 })).toThrow(/`retryAfter`/);
  });
});
