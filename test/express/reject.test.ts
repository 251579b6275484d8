// rejectWhileDraining() on a real Express server: 503 with Retry-After once the drain began.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { rejectWhileDraining } from '../../src/express/index.js';
import { drainHttp } from '../../src/http/index.js';
import { BUN_CLOSES_IDLE, notOn } from '../support/child.js';
import { listening, make } from '../support/servers.js';

describe('express: rejectWhileDraining', () => {
  it.skipIf(notOn(['bun'], BUN_CLOSES_IDLE))(
    'passes requests through until the drain, then answers 503 with Retry-After',
    async () => {
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
    },
  );
});
