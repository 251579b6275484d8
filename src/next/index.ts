/**
 * Next.js, where Next owns the server and the signals. Import it once where the server starts:
 * `await import('shutdown-hooks/next')` in `instrumentation.ts` (Node runtime), or preload it
 * (`node --import shutdown-hooks/next .next/standalone/server.js`). Importing it is what it does:
 *
 * - Next's own SIGTERM/SIGINT handler, which closes the listener at once and exits while requests
 *   are still served, is taken out (as a preload, `NEXT_MANUAL_SIG_HANDLE=true` keeps Next from
 *   adding it at all);
 * - the process-wide instance listens for the signals from now on;
 * - the server Next creates is drained by `drainHttp()` from its first request, under the
 *   instance's `delay` and deadlines.
 *
 * Next's own cleanup at exit (what its handler would run after closing the server) does not run:
 * register what the app must finish as hooks. Hooks, `configureShutdown()` and readiness work as
 * anywhere else: every copy of the package in the process shares the process-wide instance.
 *
 * @module shutdown-hooks/next
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import { log } from '../core/debug.js';
import { getDefaultShutdown } from '../core/default.js';
import { drainHttp } from '../http/drain.js';

/** The channel Node publishes on for every request a server receives, before its listeners run. */
const REQUEST_START = 'http.server.request.start';
/** Text of Next's signal handler (start-server's `cleanup`), by which it is told from others. */
const NEXT_CLEANUP = 'start-server process cleanup';

process.env.NEXT_MANUAL_SIG_HANDLE ??= 'true';
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  for (const listener of process.listeners(signal)) {
    if (String(listener).includes(NEXT_CLEANUP)) {
      process.removeListener(signal, listener);
      log.signals("took %s over from Next's own handler", signal);
    }
  }
}
getDefaultShutdown().install();

/** The first server to get a request is Next's: drained from that request on, before it runs. */
function onRequestStart(message: unknown): void {
  const { server } = message as { server: Server };
  unsubscribe(REQUEST_START, onRequestStart);
  try {
    drainHttp(server, { name: 'drain next' });
  } catch (error) {
    // Drained already by the app itself (a custom server), or shutting down: nothing to add.
    log.http('the Next server is not drained by shutdown-hooks/next: %O', error);
  }
}
subscribe(REQUEST_START, onRequestStart);
