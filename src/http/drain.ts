import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../core/debug.js';
import type { HookContext } from '../core/types.js';
import { describe } from '../core/validate.js';
import { type DrainOptions, resolveDrainOptions } from './options.js';
import { kindOf, stopAccepting } from './server.js';
import { ConnectionTracker } from './tracker.js';

const drained = new WeakSet<Server>();

/**
 * Registers a hook that drains `server` (from `node:http`, `node:https` or `node:http2`, so also
 * Express, Koa and anything whose `listen()` returns one) without dropping a request:
 *
 * 1. waits `delay` ms, serving normally (readiness already answers 503);
 * 2. stops accepting connections;
 * 3. answers every response not yet sent with `Connection: close` and closes each socket right
 *    after its last response; closes quiet keep-alive sockets after `idleGrace`; sends HTTP/2 GOAWAY
 *    and closes each session once its streams are done; hands WebSocket and SSE connections to
 *    `onUpgraded`;
 * 4. at the hook's deadline, destroys whatever is left.
 *
 * Call it when the server is created: connections accepted before are only seen once they send
 * a request. Returns a function that unregisters the hook and detaches from the server.
 *
 * @example
 * const server = app.listen(3000);
 * drainHttp(server, { delay: 5000 });
 */
export function drainHttp(server: Server, options?: DrainOptions): () => void {
  if (!(server instanceof Server)) {
    throw new TypeError(
      `Expected \`server\` to be a node:http, node:https or node:http2 server, got ${describe(server)}`,
    );
  }
  if (drained.has(server)) {
    throw new TypeError(
      'Expected `server` to be drained once, but drainHttp() was already called for it',
    );
  }
  const o = resolveDrainOptions(options);
  const tracker = new ConnectionTracker(server, o);
  const name = o.name ?? `drain ${kindOf(server)}`;
  let unregister: () => void;
  try {
    unregister = o.shutdown.onShutdown(name, createDrainHook(server, tracker, o, name), o.hook);
  } catch (error) {
    // Too late (shutdown in progress): leave the server as it was.
    tracker.detach();
    throw error;
  }
  drained.add(server);
  return () => {
    unregister();
    tracker.detach();
    drained.delete(server);
  };
}

/** True when `req` arrived while its server was draining: its response will close the connection. */
export function isDraining(req: IncomingMessage): boolean {
  return ConnectionTracker.isDraining(req);
}

/**
 * The drain as a hook: wait `delay` (serving normally), stop accepting, drain the tracked
 * connections. At the deadline, destroy what is left. Without a tracker (Fastify asked to close
 * connections itself), every connection is closed at once, as Fastify's own close would.
 */
export function createDrainHook(
  server: Server,
  tracker: ConnectionTracker | undefined,
  { delay }: { delay: number },
  name: string,
): (ctx: HookContext) => Promise<void> {
  return async (ctx) => {
    const onDeadline = () => tracker?.destroyAll();
    ctx.signal.addEventListener('abort', onDeadline, { once: true });
    try {
      if (delay > 0) await sleep(delay, undefined, { signal: ctx.signal }).catch(() => {});
      if (ctx.signal.aborted) return;
      const stopped = stopAccepting(server);
      if (tracker) await Promise.all([tracker.drain(), stopped]);
      else {
        (server as Partial<HttpServer>).closeAllConnections?.();
        await stopped;
      }
      log.http('%s drained', name);
    } finally {
      ctx.signal.removeEventListener('abort', onDeadline);
      // Lets the server release what its own close() releases (the timer of http's request
      // checks); nothing is left open to close by now, or the deadline destroyed it.
      server.close(() => {});
    }
  };
}
