// Each recipe of docs/recipes.md runs as a real process against the real thing (PostgreSQL and
// Redis from temp dirs, ws, pino, OpenTelemetry), is stopped with SIGTERM under load, and is
// checked for what it must not lose. The recipes run where their own package (examples/recipes,
// its clients and lockfile) is installed, beside the built library.
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { installAside, spawnNode } from '../support/child.js';
import { findPostgres, findRedis, Postgres, Redis, skipReason } from './services.js';

const recipes = fileURLToPath(new URL('../../examples/recipes/', import.meta.url));
let installed: string;
beforeAll(() => {
  const files = readdirSync(recipes).filter((file) => /\.(mjs|proto)$/.test(file));
  installed = installAside(
    'recipes',
    recipes,
    files.map((file) => join(recipes, file)),
  );
}, 180_000);

const recipe = (name: string) => join(installed, name);

/** What the tests use of the recipes' own Redis clients. */
interface RedisClient {
  del(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
  flushall(): Promise<unknown>;
  hlen(key: string): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  quit(): Promise<unknown>;
}
interface Queue {
  add(name: string, data: object, options: { jobId: string }): Promise<unknown>;
  getFailedCount(): Promise<number>;
  close(): Promise<void>;
}
function clients() {
  const load = createRequire(join(installed, 'package.json'));
  const { Redis } = load('ioredis') as { Redis: new (url: string) => RedisClient };
  const { Queue } = load('bullmq') as {
    Queue: new (name: string, options: { connection: { url: string } }) => Queue;
  };
  return { Redis, Queue };
}

/** One request on a fresh connection; its status and body (status 0 when it failed outright). */
function send(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}

/** `send`, and when the request has been written to the connection. */
function sendTracked(url: string) {
  let written!: () => void;
  const done = new Promise<void>((resolve) => {
    written = resolve;
  });
  const reply = new Promise<{ status: number; body: string }>((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, body: '' }));
    });
    req.on('finish', written);
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
  });
  return { written: done, reply };
}

/** Starts a recipe that prints `listening on <url>`; returns the child and its URL. */
async function serve(name: string, env: Record<string, string>) {
  const child = spawnNode([recipe(name)], { env: { PORT: '0', DELAY_MS: '300', ...env } });
  await child.waitFor(/^listening on /);
  return { child, url: /^listening on (\S+)/m.exec(child.output())![1]! };
}

/**
 * Sends a request every `every` ms from now until the child exits. `done` resolves with every
 * reply; `served(n)` once `n` of them were answered 200.
 */
function load(url: string, child: { result: Promise<unknown> }, every = 20) {
  const replies: Promise<{ status: number; body: string }>[] = [];
  let ok = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  let running = true;
  void child.result.then(() => {
    running = false;
  });
  const done = (async () => {
    while (running) {
      const reply = send(url);
      void reply.then(({ status }) => {
        if (status === 200) ok += 1;
        for (const w of waiting.filter((w) => ok >= w.n)) w.resolve();
      });
      replies.push(reply);
      await sleep(every);
    }
    return Promise.all(replies);
  })();
  const served = (n: number) =>
    new Promise<void>((resolve) => (ok >= n ? resolve() : waiting.push({ n, resolve })));
  return { done, served };
}

const pgBin = findPostgres();
describe.skipIf(skipReason('PostgreSQL recipe', pgBin, 'postgresql'))('PostgreSQL with pg', () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await Postgres.start(pgBin!);
  }, 60_000);
  afterAll(() => server?.stop());

  it('commits every transaction in flight at SIGTERM; the pool ends after the drain', async () => {
    const { child, url } = await serve('postgres.mjs', { DATABASE_URL: server.url });
    const replies = load(`${url}/order`, child);
    await replies.served(5);
    child.proc.kill('SIGTERM');
    const served = (await replies.done).filter((r) => r.status !== 0);
    const r = await child.result;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Requests sent after the listener closed are refused (status 0); every one served is 200.
    expect(served.length).toBeGreaterThan(10);
    expect(served.every((s) => s.status === 200)).toBe(true);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { rows } = await client.query<{ id: number }>('SELECT id FROM orders ORDER BY id');
    await client.end();
    // Every order a client was told about is in the table, and nothing else is.
    expect(rows.map((row) => row.id)).toEqual(
      served.map((s) => Number(s.body)).sort((a, b) => a - b),
    );
  });

  it('a database that hangs with a transaction in flight: the shutdown still ends at its deadline, exit 1', async () => {
    const { child, url } = await serve('postgres.mjs', {
      DATABASE_URL: server.url,
      TIMEOUT_MS: '3000',
    });
    expect((await send(`${url}/order`)).status).toBe(200);
    server.pause();
    try {
      // Waits on the hung server. Written before the signal, it is read during the 300 ms delay.
      const { written, reply: stuck } = sendTracked(`${url}/order`);
      await written;
      const started = Date.now();
      child.proc.kill('SIGTERM');
      const r = await child.result;
      expect(r.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(5000);
      // The drain destroyed the connection of the request that could not finish.
      expect((await stuck).status).toBe(0);
    } finally {
      server.resume();
    }
  });
});

describe.skipIf(skipReason('the demo on PostgreSQL', pgBin, 'postgresql'))(
  'the demo with DATABASE_URL',
  () => {
    let server: Postgres;
    beforeAll(async () => {
      server = await Postgres.start(pgBin!);
    }, 60_000);
    afterAll(() => server?.stop());

    it('writes every job the worker produced to PostgreSQL before the pool ends', async () => {
      const demo = fileURLToPath(new URL('../../examples/demo.mjs', import.meta.url));
      const r = await spawnNode([demo, '1'], { env: { DATABASE_URL: server.url } }).result;
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/database: PostgreSQL \(127\.0\.0\.1:\d+\)/);
      expect(r.stdout).toContain('nothing lost');
      const produced = Number(/rows written (\d+) of (\d+) produced/.exec(r.stdout)![2]);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(DISTINCT id) AS n FROM shutdown_hooks_demo',
      );
      await client.end();
      expect(Number(rows[0]!.n)).toBe(produced);
    });
  },
);

const redisBin = findRedis();
describe.skipIf(skipReason('Redis recipes', redisBin, 'redis-server'))('Redis', () => {
  let server: Redis;
  let client: RedisClient;
  beforeAll(async () => {
    server = await Redis.start(redisBin!);
    client = new (clients().Redis)(server.url);
  }, 60_000);
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it('ioredis: quit() lets every queued command complete', async () => {
    await client.del('flushed');
    const child = spawnNode([recipe('redis.mjs')], {
      env: { REDIS_URL: server.url, BURST: '5000' },
    });
    await child.ready;
    child.proc.kill('SIGTERM');
    const r = await child.result;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await client.get('flushed')).toBe('5000');
  });

  it('BullMQ: across a shutdown under a steady stream of jobs, none is lost and none runs twice', async () => {
    await client.flushall();
    const queue = new (clients().Queue)('orders', { connection: { url: server.url } });
    const start = async () => {
      const child = spawnNode([recipe('bullmq.mjs')], { env: { REDIS_URL: server.url } });
      await child.ready;
      return child;
    };
    const first = await start();
    let added = 0;
    const producing = (async () => {
      for (; added < 60; added++) {
        await queue.add('order', { ms: 200 }, { jobId: `job-${added}` });
        await sleep(20);
      }
    })();
    await first.waitFor(/^started /);
    // A rolling update: the new replica starts, the old one is told to stop.
    const second = await start();
    first.proc.kill('SIGTERM');
    const stopped = await first.result;
    expect(stopped.stderr).toBe('');
    expect(stopped.code).toBe(0);
    // It took jobs until the shutdown began. After it, close() fetches no new job: what starts
    // then is a job BullMQ had already fetched, at most one per slot of its concurrency (4).
    const stopping = stopped.lines.indexOf('stopping');
    expect(stopping).toBeGreaterThan(0);
    expect(stopped.lines.slice(0, stopping).some((l) => l.startsWith('started '))).toBe(true);
    expect(
      stopped.lines.slice(stopping).filter((l) => l.startsWith('started ')).length,
    ).toBeLessThanOrEqual(4);
    await producing;
    // The second worker finishes the rest.
    for (let i = 0; i < 200; i++) {
      if ((await client.hlen('processed')) === 60) break;
      await sleep(50);
    }
    second.proc.kill('SIGTERM');
    expect((await second.result).code).toBe(0);
    const processed = await client.hgetall('processed');
    expect(Object.keys(processed)).toHaveLength(60);
    expect(Object.values(processed).every((count) => count === '1')).toBe(true);
    expect(await queue.getFailedCount()).toBe(0);
    await queue.close();
  }, 60_000);
});

describe('WebSocket with ws', () => {
  it('each client gets the whole message being sent, then "bye", then close code 1001', async () => {
    const { child, url } = await serve('websocket.mjs', { MESSAGE_BYTES: String(1 << 20) });
    const ws = new WebSocket(url);
    const messages: string[] = [];
    ws.on('message', (data) => messages.push(String(data)));
    await once(ws, 'open');
    while (messages.length < 2) await sleep(10);
    child.proc.kill('SIGTERM');
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1001);
    expect(messages.at(-1)).toBe('bye');
    // Every message before it arrived whole.
    expect(messages.slice(0, -1).every((m) => m.length === 1 << 20)).toBe(true);
    const r = await child.result;
    expect(r.code).toBe(0);
  });
});

/** What the tests use of socket.io-client. */
interface IoClient {
  connected: boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(
    event: string,
    payload: object,
    ack: (reply: { id: number; by: number; retry?: true }) => void,
  ): unknown;
  close(): unknown;
}

describe.each([
  ['WebSocket', ['websocket']],
  ['long-polling', ['polling']],
])('Socket.IO over %s', (_name, transports) => {
  it('every event the server took is answered (done, or "retry" once closing) before the clients go; exit 0', async () => {
    const { child, url } = await serve('socketio.mjs', {});
    const { io } = createRequire(join(installed, 'package.json'))('socket.io-client') as {
      io: (url: string, options: object) => IoClient;
    };
    const client = io(url, { transports, reconnection: false });
    await new Promise((resolve) => client.on('connect', resolve));
    const acked = new Set<number>();
    const retried: number[] = [];
    let sent = 0;
    // Orders of 200 ms every 10 ms: about twenty in the handlers at any moment.
    const sending = setInterval(() => {
      if (!client.connected) return;
      const id = sent++;
      client.emit('order', { id, ms: 200 }, (reply) => {
        if (reply.by !== child.proc.pid) return;
        acked.add(reply.id);
        if (reply.retry) retried.push(reply.id);
      });
    }, 10);
    try {
      await child.waitFor('received 30');
      child.proc.kill('SIGTERM');
      const r = await child.result;
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const received = r.lines
        .filter((l) => l.startsWith('received '))
        .map((l) => Number(l.slice(9)));
      expect(received.length).toBeGreaterThan(30);
      // Every event the server took was answered: no ack lost. Those it took once closing were
      // answered "retry", for the client to send elsewhere; the rest were done.
      expect(received.filter((id) => !acked.has(id))).toEqual([]);
      expect(acked.size - retried.length).toBeGreaterThan(30);
    } finally {
      clearInterval(sending);
      client.close();
    }
  });
});

describe('gRPC with @grpc/grpc-js', () => {
  it('unary calls in flight at SIGTERM succeed, a server stream ends cleanly, the hook is ok; exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-grpc-'));
    const reportFile = join(dir, 'report.json');
    const child = spawnNode([recipe('grpc.mjs')], {
      // A delay, as behind a load balancer: a call sent just before the signal still arrives
      // before the server stops taking calls.
      env: { PORT: '0', DELAY_MS: '300', SHUTDOWN_HOOKS_REPORT_FILE: reportFile },
    });
    try {
      await child.waitFor(/^listening on /);
      const address = /^listening on (\S+)/m.exec(child.output())![1]!;
      const load = createRequire(join(installed, 'package.json'));
      const grpc = load('@grpc/grpc-js') as Grpc;
      const protoLoader = load('@grpc/proto-loader') as { loadSync(file: string): unknown };
      const { orders } = grpc.loadPackageDefinition(
        protoLoader.loadSync(join(installed, 'orders.proto')),
      ) as { orders: { Orders: new (address: string, credentials: unknown) => OrdersClient } };
      const client = new orders.Orders(address, grpc.credentials.createInsecure());
      // A server stream, open for the whole test.
      const stream = client.Watch({ id: 0, ms: 0 });
      let received = 0;
      stream.on('data', () => {
        received += 1;
      });
      const streamEnd = new Promise<number>((resolve) => {
        stream.on('status', (status: { code: number }) => resolve(status.code));
      });
      stream.on('error', () => {});
      // Unary calls of 200 ms, one every 20 ms; those started before the signal must succeed.
      type Call = { before: boolean; code: Promise<number> };
      const calls: Call[] = [];
      let signalled = false;
      const place = () => {
        const code = new Promise<number>((resolve) => {
          client.Place({ id: calls.length, ms: 200 }, (error: { code: number } | null) =>
            resolve(error ? error.code : 0),
          );
        });
        calls.push({ before: !signalled, code });
      };
      const timer = setInterval(place, 20);
      while (received < 5) await sleep(20);
      await sleep(300);
      child.proc.kill('SIGTERM');
      signalled = true;
      const r = await child.result;
      clearInterval(timer);
      const before = await Promise.all(calls.filter((c) => c.before).map((c) => c.code));
      expect(before.length).toBeGreaterThan(10);
      expect(before.filter((code) => code !== 0)).toEqual([]);
      expect(await streamEnd).toBe(grpc.status.OK);
      expect(r.code).toBe(0);
      const report = JSON.parse(readFileSync(reportFile, 'utf8'));
      expect(report.hooks).toMatchObject([{ name: 'grpc', status: 'ok' }]);
      client.close();
    } finally {
      child.proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** What the test uses of @grpc/grpc-js. */
interface Grpc {
  loadPackageDefinition(definition: unknown): unknown;
  credentials: { createInsecure(): unknown };
  status: { OK: number };
}

/** What the test uses of the generated Orders client. */
interface OrdersClient {
  Watch(order: { id: number; ms: number }): {
    on(event: string, listener: (...args: never[]) => void): unknown;
  };
  Place(
    order: { id: number; ms: number },
    callback: (error: { code: number } | null) => void,
  ): unknown;
  close(): void;
}

describe('pino through a transport', () => {
  it('the last line written during the shutdown is in the file after exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-pino-'));
    try {
      const file = join(dir, 'app.log');
      const child = spawnNode([recipe('pino.mjs')], { env: { LOG_FILE: file } });
      await child.ready;
      child.proc.kill('SIGTERM');
      const r = await child.result;
      expect(r.code).toBe(0);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; exitCode?: number });
      expect(lines.map((l) => l.msg)).toEqual(['started', 'database closed', 'shutdown complete']);
      expect(lines.at(-1)!.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OpenTelemetry', () => {
  it('spans of the last requests are exported; the SDK shuts down last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-otel-'));
    try {
      const file = join(dir, 'spans.jsonl');
      const { child, url } = await serve('opentelemetry.mjs', { SPANS_FILE: file });
      const replies = load(`${url}/work`, child);
      await replies.served(5);
      child.proc.kill('SIGTERM');
      const served = (await replies.done).filter((s) => s.status === 200);
      const r = await child.result;
      expect(r.code).toBe(0);
      expect(served.length).toBeGreaterThan(5);
      // The batch interval (5 s) never passed: every span was exported by the shutdown.
      expect(existsSync(file)).toBe(true);
      const spans = readFileSync(file, 'utf8').trim().split('\n');
      expect(spans).toHaveLength(served.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
