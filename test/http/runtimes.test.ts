// drainHttp() on every runtime: node:http on Node, Bun and Deno, and the runtimes' own servers,
// each on its runtime: Bun.serve() and Deno.serve().
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { drainHttp, readinessHandler } from '../../src/http/index.js';
import { createShutdown, type Shutdown, type ShutdownReport } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { onlyOn } from '../support/child.js';
import { listening, make } from '../support/servers.js';

type Fetch = (request: Request) => Response | Promise<Response>;
interface Native {
  readonly server: object;
  readonly port: number;
}

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: Fetch }): {
    port: number;
    stop(force?: boolean): Promise<void>;
  };
};
declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen(): void },
    fetch: Fetch,
  ): { addr: { port: number }; shutdown(): Promise<void> };
};

const serve: Record<'bun' | 'deno', (fetch: Fetch) => Native> = {
  bun(fetch) {
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch });
    return { server, port: server.port };
  },
  deno(fetch) {
    const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen() {} }, fetch);
    return { server, port: server.addr.port };
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A service: `/ready` is the readiness probe, `/slow` answers after `ms`, anything else at once. */
function service(kind: 'bun' | 'deno', sd: Shutdown, ms = 300) {
  const ready = readinessHandler({ shutdown: sd });
  let arrived = 0;
  const { server, port } = serve[kind](async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/ready') return ready(request);
    if (pathname === '/slow') {
      arrived += 1;
      await sleep(ms);
    }
    return new Response('ok');
  });
  return { server, port, arrived: () => arrived };
}

/** A GET through `agent`: its status, or the error code of a request that got no answer. */
async function get(
  port: number,
  path: string,
  agent: http.Agent | false = false,
): Promise<number | string> {
  const answer = await exchange(port, path, agent);
  return typeof answer === 'string' ? answer : answer.status;
}

/** A GET through `agent`: its status and Connection header, or the error code. */
function exchange(
  port: number,
  path: string,
  agent: http.Agent | false,
): Promise<{ status: number; connection: string | undefined } | string> {
  return new Promise((resolve) => {
    http
      .get({ port, host: '127.0.0.1', path, agent }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode!, connection: res.headers.connection }),
        );
      })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  expect(check()).toBe(true);
}

describe(`drainHttp on node:http, on ${process.versions.bun ? 'Bun' : process.versions.deno ? 'Deno' : 'Node'}`, () => {
  it('drains 20 of 20 requests in flight, each answered with Connection: close, and refuses new connections', async () => {
    const sd = make();
    let arrived = 0;
    const server = http.createServer((_req, res) => {
      arrived += 1;
      setTimeout(() => res.end('ok'), 300);
    });
    const port = await listening(server);
    drainHttp(server, { shutdown: sd });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    const inFlight = Array.from({ length: 20 }, () => exchange(port, '/', agent));
    await until(() => arrived === 20);
    const report = await sd.shutdown();
    expect(await Promise.all(inFlight)).toEqual(
      Array(20).fill({ status: 200, connection: 'close' }),
    );
    expect(report.hooks).toMatchObject([{ name: 'drain http', status: 'ok' }]);
    expect(await get(port, '/')).toBe('ECONNREFUSED');
    agent.destroy();
  });
});

for (const kind of ['bun', 'deno'] as const) {
  describe.skipIf(
    onlyOn([kind], `${kind === 'bun' ? 'Bun' : 'Deno'}.serve() exists only on ${kind}`),
  )(`drainHttp on ${kind === 'bun' ? 'Bun' : 'Deno'}.serve()`, () => {
    it('serves through the delay with readiness at 503, then drains 20 of 20 requests in flight and refuses new connections', async () => {
      const sd = make();
      const { server, port, arrived } = service(kind, sd);
      drainHttp(server as never, { shutdown: sd, delay: 200 });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
      expect(await get(port, '/ready')).toBe(200);
      const inFlight = Array.from({ length: 20 }, () => get(port, '/slow', agent));
      await until(() => arrived() === 20);
      const done = sd.shutdown();
      // The delay: readiness says 503 at once, and the service still answers new connections.
      expect(await get(port, '/ready')).toBe(503);
      expect(await get(port, '/')).toBe(200);
      const report = await done;
      expect(await Promise.all(inFlight)).toEqual(Array(20).fill(200));
      expect(report.hooks).toMatchObject([{ name: `drain ${kind}`, status: 'ok' }]);
      expect(await get(port, '/')).toBe('ECONNREFUSED');
      agent.destroy();
    });

    it('a request still running at the deadline: the hook times out and says what to do', async () => {
      const sd = make();
      const { server, port, arrived } = service(kind, sd, 1500);
      drainHttp(server as never, { shutdown: sd, timeout: 200 });
      const late = get(port, '/slow');
      await until(() => arrived() === 1);
      const report = await sd.shutdown();
      expect(report.hooks[0]).toMatchObject({ name: `drain ${kind}`, status: 'timeout' });
      expect(String(report.hooks[0]!.error)).toMatch(
        kind === 'bun' ? /Closed what was still open: 1 requests/ : /ends with the process/,
      );
      // Bun closes it at the deadline; Deno's server cannot, and lets it finish.
      expect(await late).toBe(kind === 'bun' ? 'ECONNRESET' : 200);
    });

    it('a shutdown forced during the delay still stops the server', async () => {
      const fake = createFakeProcess();
      const sd = createShutdown({ process: fake, exit: false });
      const { server, port } = service(kind, sd);
      drainHttp(server as never, { shutdown: sd, delay: 5000 });
      const done = new Promise<ShutdownReport>((resolve) => sd.once('done', resolve));
      fake.emit('SIGINT');
      await new Promise((resolve) => setImmediate(resolve)); // the drain waits out its delay
      fake.emit('SIGINT'); // Ctrl-C again, during the drain's delay
      expect((await done).hooks[0]!.status).toBe('error');
      let answer: number | string = 0;
      for (let i = 0; i < 100 && answer !== 'ECONNREFUSED'; i++) {
        answer = await get(port, '/');
        if (answer !== 'ECONNREFUSED') await sleep(10);
      }
      expect(answer).toBe('ECONNREFUSED');
    });

    it('the probes answer a web Request with a Response', async () => {
      const sd = make();
      const response = await readinessHandler({ shutdown: sd })(new Request('http://x/ready'));
      expect([response.status, await response.text()]).toEqual([200, 'ok\n']);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });
  });
}
