import { log } from '../core/debug.js';
import type { BunServer, DenoServer, Drainer, NativeServer } from './server.js';

/**
 * The drain of a server of `Bun.serve()` or `Deno.serve()`, whose runtime drains it itself: it
 * stops accepting, lets the requests in flight finish and closes idle keep-alive connections.
 * Neither lets the library mark a response `Connection: close`: each connection is closed once
 * its last response is written. At the deadline, Bun closes what is left; Deno's server has no
 * such call, so what is left ends with the process.
 */
export function nativeDrainer(server: NativeServer, kind: 'bun' | 'deno'): Drainer {
  if (kind === 'bun') {
    const bun = server as BunServer;
    return {
      async drain(signal) {
        const force = () => void bun.stop(true);
        signal.addEventListener('abort', force, { once: true });
        try {
          await bun.stop(false);
        } finally {
          signal.removeEventListener('abort', force);
        }
      },
      abandon: () => void bun.stop(true),
      detach() {},
      advice() {
        const open = bun.pendingRequests + bun.pendingWebSockets;
        if (open === 0) return 'What was still open was closed.';
        return `Closed what was still open: ${bun.pendingRequests} requests, ${bun.pendingWebSockets} WebSockets. To finish them, give requests more time after the delay; close WebSockets in a hook of higher priority than the drain (Priority.SERVER + 1).`;
      },
    };
  }
  const deno = server as DenoServer;
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= deno.shutdown().catch((error: unknown) => {
      log.http('Deno server shutdown failed: %O', error);
    });
    return stopping;
  };
  return {
    drain: () => shutdown(),
    abandon: () => void shutdown(),
    detach() {},
    advice: () =>
      "Deno's server cannot close its connections before they end: what was still open ends with the process.",
  };
}
