import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** One HTTP/1 connection (plain or TLS) and what is in flight on it. */
export interface Conn {
  /** Called when one of its responses closes. */
  readonly tracker: { responseClosed(conn: Conn): void };
  readonly socket: Socket | TLSSocket;
  /** Requests received whose response has not closed yet (pipelined requests count each). */
  inflight: number;
  /** The latest request and response: with pipelining, the last response to be written. */
  lastReq: IncomingMessage | undefined;
  lastRes: ServerResponse | undefined;
  /** The response we marked `Connection: close`, so it can be unmarked if another request follows. */
  marked: ServerResponse | undefined;
  /** When the socket last went quiet, and how many bytes it had read then. */
  quietSince: number;
  quietBytes: number;
  upgraded: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** A connection with nothing in flight, quiet from now. */
export function createConn(tracker: Conn['tracker'], socket: Socket | TLSSocket): Conn {
  return {
    tracker,
    socket,
    inflight: 0,
    lastReq: undefined,
    lastRes: undefined,
    marked: undefined,
    quietSince: Date.now(),
    quietBytes: socket.bytesRead,
    upgraded: false,
    timer: undefined,
  };
}

/**
 * `Connection: close` on the last response of the socket, so Node closes the socket right after
 * it. With pipelining only the latest response is marked; an earlier mark whose headers are not
 * out yet is taken back, or the requests queued behind it would be dropped.
 */
export function markClose(conn: Conn): void {
  const res = conn.lastRes;
  if (!res || res === conn.marked) return;
  if (conn.marked && !conn.marked.headersSent) conn.marked.removeHeader('connection');
  if (!res.headersSent) {
    res.setHeader('connection', 'close');
    conn.marked = res;
  }
}

/**
 * Closes a socket with nothing in flight once it has been quiet for `grace` ms. Bytes received
 * since it went quiet are a request on its way in: such a socket is never closed here; the
 * request will be answered with `Connection: close` (or, if it never completes, the deadline
 * ends it).
 */
export function checkIdle(conn: Conn, grace: number): void {
  clearTimeout(conn.timer);
  conn.timer = undefined;
  if (conn.inflight > 0 || conn.upgraded || conn.socket.destroyed) return;
  if (conn.socket.bytesRead !== conn.quietBytes) return;
  const wait = conn.quietSince + grace - Date.now();
  if (wait > 0) {
    conn.timer = setTimeout(() => checkIdle(conn, grace), wait);
    return;
  }
  // Nothing is in flight and nothing has arrived: closing the descriptor sends a plain FIN, and
  // the socket is released at once instead of waiting for the client's own FIN.
  conn.socket.destroy();
}

/**
 * A server-sent events stream: EventSource always asks with `Accept: text/event-stream`; the
 * response header is checked too, for clients that do not (it is only visible when set with
 * setHeader, not through writeHead's object).
 */
export function isEventStream(req: IncomingMessage, res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  if (typeof type === 'string' && type.startsWith('text/event-stream')) return true;
  return req.headers.accept?.includes('text/event-stream') === true;
}
