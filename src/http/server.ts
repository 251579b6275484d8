import { Server as NetServer, type Server } from 'node:net';
import { builtin } from '../core/builtin.js';
import { RUNTIME } from '../core/runtime.js';

/**
 * How one server is drained, whatever its kind: the hook's work, what happens when the shutdown
 * ends without it, and what its timeout message says.
 */
export interface Drainer {
  /** Stops accepting and resolves when no connection is left; `signal` aborts at the deadline. */
  drain(signal: AbortSignal): Promise<void>;
  /** The shutdown ended before the drain was called: leave nothing of the server open. */
  abandon(): void;
  /** Takes back what attaching added to the server. */
  detach(): void;
  /** What the timeout message says was still open, and what to change for it. */
  advice(): string;
}

/** A server of `Bun.serve()`: what the drain uses of it. */
export interface BunServer {
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  readonly pendingRequests: number;
  readonly pendingWebSockets: number;
  reload(options: unknown): unknown;
}

/** A server of `Deno.serve()`: what the drain uses of it. */
export interface DenoServer {
  shutdown(): Promise<void>;
  readonly finished: Promise<void>;
  readonly addr: unknown;
}

/** A server of the runtime's own HTTP API, which the runtime drains itself. */
export type NativeServer = BunServer | DenoServer;

/** Which runtime's own server this is, if it is one. */
export function nativeKind(server: unknown): 'bun' | 'deno' | undefined {
  if (typeof server !== 'object' || server === null) return undefined;
  const s = server as Partial<BunServer & DenoServer>;
  if (typeof s.stop === 'function' && typeof s.reload === 'function' && 'pendingRequests' in s) {
    return 'bun';
  }
  if (typeof s.shutdown === 'function' && s.finished instanceof Promise && 'addr' in s) {
    return 'deno';
  }
  return undefined;
}

/**
 * A server of node:http, https or http2. On Bun these do not extend `net.Server`: one is known by
 * what the drain calls on it (`listen`, `close`, `address` and the events).
 */
export function isNodeServer(server: unknown): server is Server {
  if (server instanceof NetServer) return true;
  if (typeof server !== 'object' || server === null) return false;
  const s = server as Partial<Server>;
  return ['listen', 'close', 'address', 'on', 'prependListener', 'listenerCount'].every(
    (name) => typeof s[name as keyof Server] === 'function',
  );
}

/** https and secure http2 servers hand out the HTTP transport on `secureConnection`. */
export function isTlsServer(server: Server): boolean {
  return typeof (server as { addContext?: unknown }).addContext === 'function';
}

/** node:http2 does not export its server classes; their names are stable across versions. */
export function isHttp2Server(server: Server): boolean {
  return /^Http2(Secure)?Server$/.test(server.constructor.name);
}

/** The kind of server, for the hook's default name. */
export function kindOf(server: Server): string {
  if (isHttp2Server(server)) return 'http2';
  return isTlsServer(server) || isBunHttpsServer(server) ? 'https' : 'http';
}

/**
 * Bun's https server is its http server with TLS: no `addContext`, one socket per connection, so
 * the tracker follows it as a plain one. Only its name differs.
 */
function isBunHttpsServer(server: Server): boolean {
  return RUNTIME === 'bun' && server instanceof builtin('node:https').Server;
}

/**
 * Stops accepting new connections, and releases what the server's own close releases, emitting
 * `'close'` exactly once, when the last connection is gone. For http and https, through their own
 * `close()`, whose sweep of idle keep-alive sockets (Node 19+) is held back for the call: it
 * closes a socket the client is writing a request to at that moment, and the tracker closes
 * quiet sockets safely instead. For HTTP/2, through `net.Server`'s: Node 24's own close sends
 * GOAWAY to every session at once, where the drain sends it to each session it adopts. A server
 * that is not listening is left alone (closing it again would emit `'close'` again).
 */
export function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    if (isHttp2Server(server)) {
      NetServer.prototype.close.call(server, () => resolve());
      return;
    }
    const http = server as Server & { closeIdleConnections?: () => void };
    const own = Object.hasOwn(http, 'closeIdleConnections');
    const sweep = http.closeIdleConnections;
    http.closeIdleConnections = () => {};
    try {
      server.close(() => resolve());
    } finally {
      if (own && sweep) http.closeIdleConnections = sweep;
      else delete http.closeIdleConnections;
    }
  });
}
