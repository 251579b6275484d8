import type { Server } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { getDefaultShutdown } from '../core/default.js';
import type { Shutdown } from '../core/shutdown.js';
import { describe } from '../core/validate.js';
import { createDrainHook } from '../http/drain.js';
import { type DrainOptions, resolveDrainOptions } from '../http/options.js';
import { ConnectionTracker } from '../http/tracker.js';

export interface FastifyShutdownOptions extends Omit<DrainOptions, 'name'> {
  /**
   * Path of the readiness route (200 while running, 503 once shutting down), or `false` for none.
   * @default '/ready'
   */
  readonly readinessPath?: string | false;
  /**
   * Name of the hook in the report.
   * @default 'fastify'
   */
  readonly name?: string;
}

const plugin: FastifyPluginAsync<FastifyShutdownOptions> = async (fastify, options) => {
  const o = resolveDrainOptions(options);
  const shutdown: Shutdown = o.shutdown ?? getDefaultShutdown();
  const path = options.readinessPath === undefined ? '/ready' : options.readinessPath;
  if (path !== false && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new TypeError(
      `Expected \`readinessPath\` to be a path like "/ready" or false, got ${describe(path)}`,
    );
  }
  if (path) {
    fastify.get(path, async (_request, reply) => {
      const down = shutdown.isShuttingDown();
      reply
        .code(down ? 503 : 200)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8');
      return down ? 'shutting down\n' : 'ok\n';
    });
  }

  const tracker = new ConnectionTracker(fastify.server as unknown as Server, o);
  const name = o.name ?? 'fastify';
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.resolve(fastify.close());
    return closing;
  };

  // Drain first (stop accepting, Connection: close, quiet sockets closed safely), then let Fastify
  // close, so its onClose hooks (database plugins and the like) run after the last request. When
  // the application asked Fastify to close connections itself (forceCloseConnections: true),
  // Fastify's own handling is used instead.
  const server = fastify.server as unknown as Server;
  const hook = createDrainHook(
    server,
    forcesConnections(fastify) ? undefined : tracker,
    o,
    name,
    close,
  );
  const unregister = shutdown.onShutdown(name, hook, {
    priority: o.priority,
    ...(o.timeout === undefined ? {} : { timeout: o.timeout }),
  });
  fastify.addHook('onClose', async () => {
    // Closed by the application itself: nothing left for the registry to do.
    if (!shutdown.isShuttingDown()) unregister();
    tracker.detach();
  });
};

function forcesConnections(fastify: FastifyInstance): boolean {
  return (
    (fastify.initialConfig as { forceCloseConnections?: unknown }).forceCloseConnections === true
  );
}

/**
 * The Fastify plugin (Fastify 4 and 5). Registers a readiness route and a shutdown hook that, after
 * `delay`, drains the server without dropping a request and then calls `fastify.close()`, so
 * Fastify's own `onClose` hooks run after the last request. With `forceCloseConnections: true`
 * Fastify's own handling is used instead.
 *
 * @example
 * await app.register(shutdownHooks, { delay: 5000 });
 */
export const shutdownHooks = fp(plugin, { fastify: '>=4', name: 'shutdown-hooks' });
export default shutdownHooks;
