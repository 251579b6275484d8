import { Server } from 'node:net';

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
 * Stops accepting new connections. net.Server's close() is used on purpose: on Node 19+ the
 * close() of http and https also closes every idle keep-alive socket at once, including one the
 * client is writing a request to at that moment; the tracker closes those safely instead.
 */
export function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    Server.prototype.close.call(server, () => resolve());
  });
}
