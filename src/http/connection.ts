import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { log } from '../core/debug.js';

/**
 * One HTTP/1 connection (plain or TLS) and what is in flight on it, with the two rules of its
 * drain: which response carries `Connection: close`, and when a quiet socket is closed as idle.
 */
export class Connection {
  /** Told when one of its responses closes. */
  readonly tracker: { responseClosed(conn: Connection): void };
  readonly socket: Socket | TLSSocket;
  /** Requests received whose response has not closed yet (pipelined requests count each). */
  inflight = 0;
  /** The latest request and response: with pipelining, the last response to be written. */
  lastReq: IncomingMessage | undefined;
  lastRes: ServerResponse | undefined;
  /** The response marked `Connection: close`, so it can be unmarked if another request follows. */
  marked: ServerResponse | undefined;
  /** When the socket last went quiet, and how many bytes it had read then. */
  quietSince = Date.now();
  quietBytes: number;
  upgraded = false;
  timer: ReturnType<typeof setTimeout> | undefined;

  /** A connection with nothing in flight, quiet from now. */
  constructor(tracker: Connection['tracker'], socket: Socket | TLSSocket) {
    this.tracker = tracker;
    this.socket = socket;
    this.quietBytes = socket.bytesRead;
  }

  /**
   * `Connection: close` on the last response of the socket, so Node closes the socket right after
   * it. With pipelining only the latest response is marked; an earlier mark whose headers are not
   * out yet is taken back, or the requests queued behind it would be dropped.
   */
  markClose(): void {
    const res = this.lastRes;
    if (!res || res === this.marked) return;
    if (this.marked && !this.marked.headersSent) this.marked.removeHeader('connection');
    if (!res.headersSent) {
      res.setHeader('connection', 'close');
      this.marked = res;
    }
  }

  /**
   * Closes the socket once it has had nothing in flight for `grace` ms. Bytes received since it
   * went quiet are a request on its way in: such a socket is never closed here; the request will
   * be answered with `Connection: close` (or, if it never completes, the deadline ends it).
   */
  checkIdle(grace: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inflight > 0 || this.upgraded || this.socket.destroyed) return;
    if (this.socket.bytesRead !== this.quietBytes) return;
    const wait = this.quietSince + grace - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => this.checkIdle(grace), wait);
      return;
    }
    // Nothing is in flight and nothing has arrived: closing the descriptor sends a plain FIN, and
    // the socket is released at once instead of waiting for the client's own FIN.
    this.socket.destroy();
  }
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

/**
 * Whether a response in flight stays open by design: an event stream, or a request that the
 * drain's `longLived` option picks out (a predicate that throws picks nothing).
 */
export function longLivedKind(
  req: IncomingMessage,
  res: ServerResponse,
  longLived: ((request: IncomingMessage) => boolean) | undefined,
): 'event-stream' | 'long-lived' | undefined {
  if (isEventStream(req, res)) return 'event-stream';
  if (!longLived) return undefined;
  try {
    if (longLived(req)) return 'long-lived';
  } catch (error) {
    log.http('longLived failed: %O', error);
  }
  return undefined;
}
