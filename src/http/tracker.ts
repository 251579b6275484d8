import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2Session } from 'node:http2';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { log } from '../core/debug.js';
import { Connection, longLivedKind } from './connection.js';
import type { LongLivedConnection } from './options.js';
import { isHttp2Server, isTlsServer } from './server.js';

// biome-ignore lint/suspicious/noExplicitAny: listeners of several server events, typed at each call.
type Listener = (...args: any[]) => void;

const kConn = Symbol('shutdown-hooks.connection');
const kDraining = Symbol('shutdown-hooks.draining');

type Tagged<T> = T & { [kConn]?: Connection; [kDraining]?: true };

export interface TrackerOptions {
  readonly idleGrace: number;
  readonly onUpgraded: ((connection: LongLivedConnection) => void | Promise<void>) | undefined;
  readonly longLived?: ((request: IncomingMessage) => boolean) | undefined;
}

/**
 * Follows every connection of one server from the moment it is attached, with public events only:
 * `connection`, `secureConnection`, `request`, `upgrade`, `session`, and each response's `close`.
 * On the request path it costs one listener call and one `close` listener per response.
 */
export class ConnectionTracker {
  readonly #server: Server;
  readonly #options: TrackerOptions;
  /** Every raw socket, for the deadline and for knowing when the server is empty. */
  readonly #sockets = new Set<Socket>();
  readonly #conns = new Set<Connection>();
  readonly #sessions = new Set<Http2Session>();
  readonly #upgraded = new Map<Duplex, IncomingMessage>();
  readonly #attached: [string, Listener][] = [];
  readonly #isTls: boolean;
  readonly #isHttp2: boolean;
  #draining = false;
  #onEmpty: (() => void) | undefined;

  constructor(server: Server, options: TrackerOptions) {
    this.#server = server;
    this.#options = options;
    this.#isTls = isTlsServer(server);
    this.#isHttp2 = isHttp2Server(server);
    this.#on('connection', (socket: Socket) => this.#onConnection(socket));
    if (this.#isTls) this.#on('secureConnection', (tls: TLSSocket) => this.#onSecure(tls));
    this.#on(
      'request',
      (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res),
      true,
    );
    this.#on('session', (session: Http2Session) => this.#onSession(session));
    // Node serves an upgrade request as a plain request when nobody listens for `upgrade`; a
    // listener of ours alone would leave it unanswered. So only listen alongside the application's.
    if (server.listenerCount('upgrade') > 0) this.#listenUpgrades();
    else {
      const onNew = (event: string | symbol) => {
        if (event !== 'upgrade') return;
        server.off('newListener', onNew);
        queueMicrotask(() => this.#listenUpgrades());
      };
      server.on('newListener', onNew);
      this.#attached.push(['newListener', onNew]);
    }
  }

  /** Removes every listener this tracker added to the server. */
  detach(): void {
    for (const [event, listener] of this.#attached) this.#server.off(event, listener);
    this.#attached.length = 0;
  }

  /**
   * Starts draining: marks the last response of every busy connection `Connection: close`, closes
   * quiet ones, sends HTTP/2 GOAWAY, and hands long-lived connections to `onUpgraded`.
   * Resolves when no connection is left.
   */
  drain(): Promise<void> {
    this.#draining = true;
    const empty = new Promise<void>((resolve) => {
      this.#onEmpty = resolve;
    });
    for (const conn of this.#conns) {
      if (conn.upgraded) continue;
      if (conn.inflight > 0) {
        conn.markClose();
        this.#maybeLongLived(conn);
      } else conn.checkIdle(this.#options.idleGrace);
    }
    for (const session of this.#sessions) this.#closeSession(session);
    for (const [socket, request] of this.#upgraded)
      this.#handOver({ kind: 'upgrade', socket, request });
    log.http(
      'draining: %d connections, %d HTTP/2 sessions, %d upgraded',
      this.#sockets.size,
      this.#sessions.size,
      this.#upgraded.size,
    );
    this.#maybeEmpty();
    return empty;
  }

  /** The deadline passed: destroy whatever is left. */
  destroyAll(): void {
    // Every connection has one raw socket: HTTP/1 ones are also in #conns, TLS ones too (as the
    // TLS socket over it), HTTP/2 ones carry a session. The raw sockets count each once.
    if (this.#sockets.size > 0) log.http('deadline: destroying %d connections', this.#sockets.size);
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#upgraded.keys()) socket.destroy();
    for (const socket of this.#sockets) socket.destroy();
    for (const conn of this.#conns) conn.socket.destroy();
  }

  /** What is open now, by kind: for the message of a drain that ran out of time. */
  openNow(): { busy: number; longLived: number; quiet: number; sessions: number } {
    let busy = 0;
    let longLived = this.#upgraded.size;
    let quiet = 0;
    for (const conn of this.#conns) {
      if (conn.upgraded) continue;
      if (conn.inflight === 0) quiet += 1;
      else if (longLivedKind(conn.lastReq!, conn.lastRes!, this.#options.longLived)) longLived += 1;
      else busy += 1;
    }
    return { busy, longLived, quiet, sessions: this.#sessions.size };
  }

  /** True when `req` arrived on this server after its drain began. */
  static isDraining(req: IncomingMessage): boolean {
    return (req as Tagged<IncomingMessage>)[kDraining] === true;
  }

  /**
   * `first` listens before the application: a request is tagged before its handler runs, so that
   * `isDraining(req)` holds inside it. Upgrades are seen after it, so that a socket upgraded during
   * the drain reaches `onUpgraded` once the application has accepted it.
   */
  #on(event: string, listener: Listener, first = false): void {
    if (first) this.#server.prependListener(event, listener);
    else this.#server.on(event, listener);
    this.#attached.push([event, listener]);
  }

  #listenUpgrades(): void {
    this.#on('upgrade', (req: IncomingMessage, socket: Duplex) => this.#onUpgrade(req, socket));
  }

  #onConnection(socket: Socket): void {
    this.#sockets.add(socket);
    // Plain HTTP/1 servers use the raw socket itself (its connection's `close` listener forgets
    // both); TLS sockets are adopted on `secureConnection`, and h2c ones carry a session.
    if (!this.#isTls && !this.#isHttp2) this.#adopt(socket);
    else {
      socket.once('close', () => {
        this.#sockets.delete(socket);
        this.#maybeEmpty();
      });
    }
  }

  #onSecure(tls: TLSSocket): void {
    if (tls.alpnProtocol === 'h2') return;
    this.#adopt(tls);
  }

  #adopt(socket: Socket | TLSSocket): Connection {
    const conn = new Connection(this, socket);
    (socket as Tagged<Socket>)[kConn] = conn;
    this.#conns.add(conn);
    socket.once('close', () => {
      clearTimeout(conn.timer);
      this.#conns.delete(conn);
      this.#sockets.delete(socket as Socket);
      this.#maybeEmpty();
    });
    if (this.#draining) conn.checkIdle(this.#options.idleGrace);
    return conn;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.httpVersionMajor >= 2) {
      // HTTP/2 streams are drained through their session, which may have opened before drainHttp().
      const { session } = (req as unknown as Http2ServerRequest).stream;
      if (session && !this.#sessions.has(session)) this.#onSession(session);
      return;
    }
    const socket = req.socket as Tagged<Socket>;
    const conn = socket[kConn] ?? this.#adopt(socket);
    conn.inflight += 1;
    conn.lastReq = req;
    conn.lastRes = res;
    (res as Tagged<ServerResponse>)[kConn] = conn;
    // on(), not once(): 'close' fires once, and once() would allocate a wrapper per request.
    res.on('close', onResponseClose);
    if (this.#draining) {
      (req as Tagged<IncomingMessage>)[kDraining] = true;
      conn.markClose();
      // A long-poll that arrives during the drain is handed over once its handler has run.
      if (this.#options.longLived) {
        setImmediate(() => {
          if (conn.lastRes === res) this.#maybeLongLived(conn);
        });
      }
    }
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex): void {
    // Its connection is never closed as idle from now on (an idle timer already set finds it
    // upgraded); a socket accepted before drainHttp() has none.
    const conn = (socket as Tagged<Duplex>)[kConn];
    if (conn) conn.upgraded = true;
    this.#upgraded.set(socket, req);
    socket.once('close', () => {
      this.#upgraded.delete(socket);
      this.#maybeEmpty();
    });
    if (this.#draining) this.#handOver({ kind: 'upgrade', socket, request: req });
  }

  #onSession(session: Http2Session): void {
    this.#sessions.add(session);
    session.once('close', () => {
      this.#sessions.delete(session);
      this.#maybeEmpty();
    });
    if (this.#draining) this.#closeSession(session);
  }

  /** Called by each response's `close`: one fewer in flight; a quiet socket starts its grace. */
  responseClosed(conn: Connection): void {
    conn.inflight -= 1;
    if (conn.inflight > 0) return;
    conn.quietSince = Date.now();
    conn.quietBytes = conn.socket.bytesRead;
    if (this.#draining) conn.checkIdle(this.#options.idleGrace);
  }

  /** For a connection with a request in flight, so with a latest request and response. */
  #maybeLongLived(conn: Connection): void {
    const request = conn.lastReq!;
    const response = conn.lastRes!;
    if (response.writableEnded) return;
    const kind = longLivedKind(request, response, this.#options.longLived);
    if (kind) this.#handOver({ kind, socket: conn.socket, request, response });
  }

  #closeSession(session: Http2Session): void {
    // close() sends GOAWAY with the last stream id: streams above it are refused, and the client
    // knows they were never processed. Node 20 and 22 do not do this on server.close(). On a
    // session already closing or gone, it does nothing.
    session.close();
  }

  #handOver(connection: LongLivedConnection): void {
    const { onUpgraded } = this.#options;
    if (!onUpgraded) {
      if (connection.kind === 'upgrade') connection.socket.end();
      else connection.response.end();
      return;
    }
    try {
      Promise.resolve(onUpgraded(connection)).catch((error: unknown) =>
        log.http('onUpgraded failed: %O', error),
      );
    } catch (error) {
      log.http('onUpgraded failed: %O', error);
    }
  }

  /** Everything still open: raw sockets, HTTP/1 connections, HTTP/2 sessions, upgraded sockets. */
  #open(): number {
    return this.#sockets.size + this.#conns.size + this.#sessions.size + this.#upgraded.size;
  }

  #maybeEmpty(): void {
    if (!this.#draining || !this.#onEmpty || this.#open() > 0) return;
    const done = this.#onEmpty;
    this.#onEmpty = undefined;
    done();
  }
}

/** A response's `close` listener, added only once the response is tagged with its connection. */
function onResponseClose(this: Tagged<ServerResponse>): void {
  const conn = this[kConn]!;
  conn.tracker.responseClosed(conn);
}
