import type { Server } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { describe } from '../core/validate.js';
import { createDrainHook } from '../http/drain.js';
import { type DrainOptions, resolveDrainOptions } from '../http/options.js';
import { READINESS_HEADERS, readinessOf } from '../http/readiness.js';
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
  const path = options.readinessPath === undefined ? '/ready' : options.readinessPath;
  if (path !== false && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new TypeError(
      `Expected \`readinessPath\` to be a path like "/ready" or false, got ${describe(path)}`,
    );
  }
  if (path) {
    fastify.get(path, async (_request, reply) => {
      const { statusCode, body } = readinessOf(o.shutdown);
      reply.code(statusCode).headers(READINESS_HEADERS);
      return body;
    });
  }

  // Drain first (stop accepting, Connection: close, quiet sockets closed safely), then let Fastify
  // close, so its onClose hooks (database plugins and the like) run after the last request. When
  // the application asked Fastify to close connections itself (forceCloseConnections: true),
  // Fastify's own handling is used instead, and nothing is tracked on the request path.
  const server = fastify.server as unknown as Server;
  const tracker = forcesConnections(fastify) ? undefined : new ConnectionTracker(server, o);
  const name = o.name ?? 'fastify';
  const hook = createDrainHook(server, tracker, o, name, async () => {
    await fastify.close();
  });
  const unregister = o.shutdown.onShutdown(name, hook, o.hook);
  fastify.addHook('onClose', async () => {
    // Closed by the application itself: nothing left for the registry to do.
    if (!o.shutdown.isShuttingDown()) unregister();
    tracker?.detach();
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
