import { Server as NetServer, type Server } from 'node:net';

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
