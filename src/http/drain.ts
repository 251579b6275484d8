import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server } from 'node:net';
import { log } from '../core/debug.js';
import { HOOK_TRAITS, type HookTraits } from '../core/registry.js';
import { describe } from '../core/validate.js';
import { nativeDrainer } from './native.js';
import {
  DRAIN_DEFAULTS,
  type DrainOptions,
  type ResolvedDrainOptions,
  resolveDrainOptions,
} from './options.js';
import {
  type Drainer,
  isNodeServer,
  kindOf,
  type NativeServer,
  nativeKind,
  stopAccepting,
} from './server.js';
import { ConnectionTracker } from './tracker.js';

const drained = new WeakSet<object>();

/**
 * Registers a hook that drains `server` (from `node:http`, `node:https` or `node:http2`, so also
 * Express, Koa and anything whose `listen()` returns one, on Node, Bun and Deno) without dropping a
 * request:
 *
 * 1. serves normally until `delay` ms after the shutdown began (readiness already answers 503);
 * 2. stops accepting connections;
 * 3. answers every response not yet sent with `Connection: close` and closes each socket right
 *    after its last response; closes quiet keep-alive sockets after `idleGrace`; sends HTTP/2 GOAWAY
 *    and closes each session once its streams are done; hands WebSocket and SSE connections to
 *    `onUpgraded`;
 * 4. at the hook's deadline, destroys whatever is left.
 *
 * A server of `Bun.serve()` or `Deno.serve()` is stopped by the runtime's own graceful stop after
 * the same delay, and waited for until the same deadline (docs/runtimes.md says what each allows).
 *
 * Call it when the server is created: connections accepted before are only seen once they send
 * a request. Returns a function that unregisters the hook and detaches from the server.
 *
 * @example
 * const server = app.listen(3000);
 * drainHttp(server, { delay: 5000 });
 */
export function drainHttp(server: Server | NativeServer, options?: DrainOptions): () => void {
  const native = nativeKind(server);
  if (!native && !isNodeServer(server)) {
    throw new TypeError(
      `Expected \`server\` to be a node:http, node:https or node:http2 server, or a server of Bun.serve() or Deno.serve(), got ${describe(server)}`,
    );
  }
  const o = resolveDrainOptions(options);
  if (native) {
    return attach(server, o, o.name ?? `drain ${native}`, () =>
      nativeDrainer(server as NativeServer, native),
    );
  }
  return attachDrain(server as Server, o, { name: o.name ?? `drain ${kindOf(server as Server)}` });
}

/** True when `req` arrived while its server was draining: its response will close the connection. */
export function isDraining(req: IncomingMessage): boolean {
  return ConnectionTracker.isDraining(req);
}

/**
 * The one way a drain is attached to a node:http, https or http2 server, for `drainHttp()` and
 * every adapter: a tracker of its connections (unless `track` is false: Fastify asked to close
 * connections itself), and the hook. Returns the undo.
 */
export function attachDrain(
  server: Server,
  o: ResolvedDrainOptions,
  { name, track = true }: { readonly name: string; readonly track?: boolean },
): () => void {
  return attach(server, o, name, () => nodeDrainer(server, o, track));
}

/**
 * Once per server: the drainer, and the hook that runs it after its delay. Registration that
 * throws (a shutdown in progress) leaves the server as it was.
 */
function attach(
  server: object,
  o: ResolvedDrainOptions,
  name: string,
  create: () => Drainer,
): () => void {
  if (drained.has(server)) {
    throw new TypeError(
      `Expected \`server\` to be drained once, but a drain is already attached to it (drainHttp(), the Fastify plugin or ShutdownHooksModule): "${name}" would be a second one`,
    );
  }
  const drainer = create();
  const traits: HookTraits = {
    share: DRAIN_DEFAULTS.share,
    quickStart: true,
    timeoutAdvice: () => drainer.advice(),
    ...(o.delay === undefined ? {} : { delay: o.delay }),
  };
  const hookOptions = {
    priority: o.priority,
    ...(o.timeout === undefined ? {} : { timeout: o.timeout }),
    [HOOK_TRAITS]: traits,
  };
  let called = false;
  let unregister: () => void;
  try {
    unregister = o.shutdown.onShutdown(
      name,
      async (ctx) => {
        called = true;
        await drainer.drain(ctx.signal);
        log.http('%s drained', name);
      },
      hookOptions,
    );
  } catch (error) {
    drainer.detach();
    throw error;
  }
  // A shutdown that ended before the drain was called (forced, or the global deadline during its
  // delay) leaves nothing of the server open either.
  const onDone = () => {
    if (!called) drainer.abandon();
  };
  o.shutdown.once('done', onDone);
  drained.add(server);
  return () => {
    unregister();
    o.shutdown.off('done', onDone);
    drainer.detach();
    drained.delete(server);
  };
}

/**
 * A node:http, https or http2 server's drain: stop accepting, drain the tracked connections; at
 * the deadline, destroy what is left. Without a tracker (Fastify asked to close connections
 * itself), every connection is closed at once, as Fastify's own close would.
 */
function nodeDrainer(server: Server, o: ResolvedDrainOptions, track: boolean): Drainer {
  const tracker = track ? new ConnectionTracker(server, o) : undefined;
  return {
    async drain(signal) {
      const onDeadline = () => tracker?.destroyAll();
      signal.addEventListener('abort', onDeadline, { once: true });
      try {
        const stopped = stopAccepting(server);
        if (tracker) await Promise.all([tracker.drain(), stopped]);
        else {
          (server as Partial<HttpServer>).closeAllConnections?.();
          await stopped;
        }
      } finally {
        signal.removeEventListener('abort', onDeadline);
      }
    },
    abandon() {
      tracker?.destroyAll();
      void stopAccepting(server);
    },
    detach: () => tracker?.detach(),
    advice: () => timeoutAdvice(tracker),
  };
}

/** What the timeout message of a drain says: what was still open, and what to change for it. */
function timeoutAdvice(tracker: ConnectionTracker | undefined): string {
  const open = tracker?.openNow();
  const parts: string[] = [];
  const advice: string[] = [];
  if (open && open.busy > 0) {
    parts.push(`${plural(open.busy, 'connection')} with a request in flight`);
    advice.push(
      "give requests more time after the delay: a longer `timeout` (the instance's or the drain's) or a shorter `delay`; a request that stays open by design (long-polling) is picked out with `longLived` and handed to `onUpgraded`",
    );
  }
  if (open && open.longLived > 0) {
    parts.push(`${plural(open.longLived, 'upgraded or streaming connection')}`);
    advice.push('close WebSockets and event streams in `onUpgraded`');
  }
  if (open && open.sessions > 0) parts.push(plural(open.sessions, 'HTTP/2 session'));
  if (open && open.quiet > 0) parts.push(`${plural(open.quiet, 'quiet connection')}`);
  if (parts.length === 0) return 'What was still open was destroyed.';
  const what = `Destroyed what was still open: ${parts.join(', ')}.`;
  return advice.length === 0 ? what : `${what} To finish them, ${advice.join('; ')}.`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
