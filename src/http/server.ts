import type { Server } from 'node:net';

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
  return isTlsServer(server) ? 'https' : 'http';
}

/**
 * Stops accepting new connections, through the server's own `close()`, so that it releases what
 * its close releases (http's request-checking timer) and emits `'close'` exactly once, when the
 * last connection is gone. On Node 19+ the close() of http and https also closes every idle
 * keep-alive socket at once, including one the client is writing a request to at that moment:
 * that sweep is held back for the call, and the tracker closes quiet sockets safely instead.
 * A server that is not listening is left alone (closing it again would emit `'close'` again).
 */
export function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
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
