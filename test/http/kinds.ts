// The server kinds of the adapter contract suite, each started on port 0 with the same routes,
// and a client per protocol: undici (HTTP/1.1 keep-alive) or node:http2.
import { EventEmitter, once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import selfsigned from 'selfsigned';
import { WebSocketServer } from 'ws';
import { shutdownHooks } from '../../src/fastify/index.js';
import { type DrainOptions, drainHttp, readinessHandler } from '../../src/http/index.js';
import { createShutdown, type Shutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';
import { Client } from '../support/undici.js';

let tls: { key: string; cert: string } | undefined;
/** A self-signed certificate for localhost, made once per test file. */
export async function certificate(): Promise<{ key: string; cert: string }> {
  if (!tls) {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    tls = { key: pems.private, cert: pems.cert };
  }
  return tls;
}

/** Counts requests the server has received, so a test acts only once they are in. */
export class Probe extends EventEmitter {
  received = 0;
  hit(): void {
    this.received += 1;
    this.emit('hit', this.received);
  }
  async until(count: number): Promise<void> {
    while (this.received < count) await once(this, 'hit');
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The routes every kind serves: /fast, /slow?ms=, /hang, /ready, /sse. */
function routes(probe: Probe, sd: Shutdown): Handler {
  const ready = readinessHandler({ shutdown: sd });
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ready') return ready(req, res);
    probe.hit();
    if (url.pathname === '/slow') {
      setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') ?? 100));
    } else if (url.pathname === '/hang') {
      // Never answers: only the deadline ends it.
    } else if (url.pathname === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('data: hello\n\n');
    } else res.end('fast');
  };
}

export type Protocol = 'h1' | 'h2';

export interface Running {
  readonly origin: string;
  readonly protocol: Protocol;
  readonly tls: boolean;
  readonly server: Server;
  readonly sd: Shutdown;
  readonly probe: Probe;
  readonly wss: WebSocketServer | undefined;
  close(): Promise<void>;
}

export interface Kind {
  readonly name: string;
  readonly protocol: Protocol;
  readonly websocket: boolean;
  start(options?: { drain?: DrainOptions; timeout?: number; delay?: number }): Promise<Running>;
}

function instance(timeout = 5000, delay = 0): Shutdown {
  return createShutdown({ process: createFakeProcess(), exit: false, timeout, delay });
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function nodeKind(
  name: string,
  protocol: Protocol,
  secure: boolean,
  make: (handler: Handler, tls: { key: string; cert: string }) => Promise<Server> | Server,
): Kind {
  return {
    name,
    protocol,
    websocket: protocol === 'h1',
    async start(options = {}) {
      const sd = instance(options.timeout, options.delay);
      const probe = new Probe();
      const server = await make(routes(probe, sd), await certificate());
      const wss =
        protocol === 'h1' ? new WebSocketServer({ server: server as http.Server }) : undefined;
      drainHttp(server, { shutdown: sd, ...options.drain });
      const port = await listen(server);
      return {
        origin: `${secure ? 'https' : 'http'}://localhost:${port}`,
        protocol,
        tls: secure,
        server,
        sd,
        probe,
        wss,
        async close() {
          wss?.close();
          (server as http.Server).closeAllConnections?.();
          if (server.listening) await new Promise((r) => server.close(r));
        },
      };
    },
  };
}

async function expressApp(pkg: 'express4' | 'express5', handler: Handler): Promise<http.Server> {
  const express = (await import(pkg)).default as () => {
    (req: IncomingMessage, res: ServerResponse): void;
    get(path: string, h: Handler): void;
    use(h: Handler): void;
  };
  const app = express();
  app.get('/fast', handler);
  app.get('/slow', handler);
  app.get('/hang', handler);
  app.get('/ready', handler);
  app.get('/sse', handler);
  // What app.listen() does: a plain node:http server around the app.
  return http.createServer(app);
}

function fastifyKind(name: string, pkg: 'fastify4' | 'fastify'): Kind {
  return {
    name,
    protocol: 'h1',
    websocket: true,
    async start(options = {}) {
      const sd = instance(options.timeout, options.delay);
      const probe = new Probe();
      const fastify = (await import(pkg)).default as (
        o?: object,
      ) => import('fastify').FastifyInstance;
      const app = fastify();
      await app.register(shutdownHooks, { shutdown: sd, ...options.drain });
      const handler = routes(probe, sd);
      for (const path of ['/fast', '/slow', '/hang', '/sse']) {
        app.get(path, (request, reply) => {
          reply.hijack();
          handler(request.raw, reply.raw);
        });
      }
      const wss = new WebSocketServer({ server: app.server });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as AddressInfo).port;
      return {
        origin: `http://localhost:${port}`,
        protocol: 'h1',
        tls: false,
        server: app.server as unknown as Server,
        sd,
        probe,
        wss,
        async close() {
          wss.close();
          app.server.closeAllConnections?.();
          await app.close().catch(() => {});
        },
      };
    },
  };
}

async function koaApp(handler: Handler): Promise<http.Server> {
  const Koa = (await import('koa')).default;
  const app = new Koa();
  app.use((ctx) => {
    // The handler answers on Node's own objects; Koa leaves the response alone.
    // (Koa starts every response as a 404.)
    ctx.respond = false;
    ctx.res.statusCode = 200;
    handler(ctx.req, ctx.res);
  });
  return http.createServer(app.callback());
}

async function honoApp(handler: Handler): Promise<http.Server> {
  const { Hono } = await import('hono');
  const { createAdaptorServer } = await import('@hono/node-server');
  const { RESPONSE_ALREADY_SENT } = await import('@hono/node-server/utils/response');
  const app = new Hono<{ Bindings: { incoming: IncomingMessage; outgoing: ServerResponse } }>();
  app.all('*', (c) => {
    handler(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  // What serve() does, without listening: a node:http server around the app.
  return createAdaptorServer({ fetch: app.fetch }) as http.Server;
}

/** NestJS with ShutdownHooksModule on either platform; /ready is the module's own route. */
function nestKind(name: string, platform: 'express' | 'fastify'): Kind {
  return {
    name,
    protocol: 'h1',
    websocket: true,
    async start(options = {}) {
      await import('reflect-metadata');
      const { Module } = await import('@nestjs/common');
      const { NestFactory } = await import('@nestjs/core');
      const { ShutdownHooksModule } = await import('../../src/nestjs/index.js');
      const sd = instance(options.timeout, options.delay);
      const probe = new Probe();
      const handler = routes(probe, sd);
      class AppModule {}
      Module({ imports: [ShutdownHooksModule.forRoot({ shutdown: sd, ...options.drain })] })(
        AppModule,
      );
      const adapter =
        platform === 'fastify'
          ? new (await import('@nestjs/platform-fastify')).FastifyAdapter()
          : new (await import('@nestjs/platform-express')).ExpressAdapter();
      const app = await NestFactory.create(AppModule, adapter, { logger: false });
      const paths = ['/fast', '/slow', '/hang', '/sse'];
      if (platform === 'fastify') {
        const fastify = app.getHttpAdapter().getInstance() as import('fastify').FastifyInstance;
        for (const path of paths) {
          fastify.get(path, (request, reply) => {
            reply.hijack();
            handler(request.raw, reply.raw);
          });
        }
      } else {
        app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
          if (paths.includes(new URL(req.url ?? '/', 'http://x').pathname)) handler(req, res);
          else next();
        });
      }
      const server = app.getHttpServer() as http.Server;
      const wss = new WebSocketServer({ server });
      await app.listen(0, '127.0.0.1');
      const port = (server.address() as AddressInfo).port;
      return {
        origin: `http://localhost:${port}`,
        protocol: 'h1',
        tls: false,
        server,
        sd,
        probe,
        wss,
        async close() {
          wss.close();
          server.closeAllConnections?.();
          await app.close().catch(() => {});
        },
      };
    },
  };
}

export const KINDS: Kind[] = [
  nodeKind('http', 'h1', false, (h) => http.createServer(h)),
  nodeKind('https', 'h1', true, (h, t) => https.createServer(t, h)),
  nodeKind('http2 (TLS)', 'h2', true, (h, t) => http2.createSecureServer(t, h as never) as never),
  nodeKind(
    'http2 allowHTTP1, HTTP/1.1 client',
    'h1',
    true,
    (h, t) => http2.createSecureServer({ ...t, allowHTTP1: true }, h as never) as never,
  ),
  nodeKind('h2c', 'h2', false, (h) => http2.createServer(h as never) as never),
  nodeKind('express 4', 'h1', false, (h) => expressApp('express4', h)),
  nodeKind('express 5', 'h1', false, (h) => expressApp('express5', h)),
  fastifyKind('fastify 4', 'fastify4'),
  fastifyKind('fastify 5', 'fastify'),
  nodeKind('koa', 'h1', false, (h) => koaApp(h)),
  nodeKind('hono', 'h1', false, (h) => honoApp(h)),
  nestKind('nestjs (express)', 'express'),
  nestKind('nestjs (fastify)', 'fastify'),
];

// ---------------------------------------------------------------------------------------------
// Clients

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TestClient {
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  /** Resolves when the connection (HTTP/1) or session (HTTP/2) closes. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** One keep-alive connection (HTTP/1.1 via undici, one request at a time) or one HTTP/2 session. */
export function connect(running: Running): TestClient {
  return running.protocol === 'h2' ? h2Client(running) : h1Client(running);
}

function h1Client(running: Running): TestClient {
  const client = new Client(running.origin, {
    connect: { rejectUnauthorized: false },
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const closed = new Promise<void>((resolve) => client.once('disconnect', () => resolve()));
  return {
    async get(path, headers = {}) {
      const r = await client.request({ path, method: 'GET', headers });
      return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
    },
    closed,
    close: () => client.destroy(),
  };
}

function h2Client(running: Running): TestClient {
  const session = http2.connect(running.origin, { rejectUnauthorized: false });
  session.on('error', () => {});
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  return {
    get(path, extra = {}) {
      return new Promise((resolve, reject) => {
        const stream = session.request({ ':path': path, ...extra });
        let body = '';
        let headers: http2.IncomingHttpHeaders = {};
        stream.setEncoding('utf8');
        stream.on('response', (h) => {
          headers = h;
        });
        stream.on('data', (chunk: string) => {
          body += chunk;
        });
        stream.on('end', () => {
          if (headers[':status'] === undefined)
            reject(new Error('stream ended without a response'));
          else resolve({ status: Number(headers[':status']), headers, body });
        });
        stream.on('error', reject);
      });
    },
    closed,
    close: async () => {
      session.destroy();
    },
  };
}
