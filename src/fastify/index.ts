/**
 * The Fastify 4 and 5 plugin.
 *
 * @module shutdown-hooks/fastify
 */
import type { Server } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Priority } from '../core/priority.js';
import { optionKeys, pick, validateOptions } from '../core/validate.js';
import { attachDrain } from '../http/drain.js';
import {
  DRAIN_KEYS,
  DRAIN_OPTION_KEYS,
  type DrainOptions,
  resolveDrainOptions,
  validateRoutePath,
} from '../http/options.js';
import {
  alive,
  type HealthCheck,
  type ProbeAnswer,
  preStopHandler,
  READINESS_HEADERS,
  READINESS_OPTION_KEYS,
  readinessProbe,
} from '../http/readiness.js';

export interface FastifyShutdownOptions extends Omit<DrainOptions, 'name'> {
  /**
   * Path of the readiness route (200 while running, 503 once shutting down), or `false` for none.
   * @default '/ready'
   */
  readonly readinessPath?: string | false;
  /**
   * Path of a `preStopHandler()` route for Kubernetes' `lifecycle.preStop.httpGet`, or `false`.
   * @default false
   */
  readonly preStopPath?: string | false;
  /**
   * Path of a liveness route (200 for as long as the process runs, the drain included), or `false`.
   * @default false
   */
  readonly livenessPath?: string | false;
  /**
   * Checks the readiness route runs on each request (503 when one fails); see `readinessHandler`.
   * @default none
   */
  readonly checks?: Readonly<Record<string, HealthCheck>>;
  /** Ms a check may take. @default 1000 */
  readonly checkTimeout?: number;
  /** Answer 503 on the readiness route once shutdown begins. @default true */
  readonly failDuringShutdown?: boolean;
  /**
   * Name of the drain hook in the report; the close hook is named `${name} onClose`.
   * @default 'fastify'
   */
  readonly name?: string;
}

/** The plugin's keys, and those that Fastify's `register()` passes along with them. */
const FASTIFY_OPTION_KEYS = [
  ...optionKeys<FastifyShutdownOptions>({
    ...DRAIN_KEYS,
    readinessPath: true,
    preStopPath: true,
    livenessPath: true,
    checks: true,
    checkTimeout: true,
    failDuringShutdown: true,
  }),
  'prefix',
  'logLevel',
  'logSerializers',
];

const plugin: FastifyPluginAsync<FastifyShutdownOptions> = async (fastify, options) => {
  const given = validateOptions<FastifyShutdownOptions>(options, 'options', FASTIFY_OPTION_KEYS);
  const o = resolveDrainOptions(pick(given, DRAIN_OPTION_KEYS));
  const path = validateRoutePath(given.readinessPath, '/ready', 'readinessPath');
  const preStopPath = validateRoutePath(options.preStopPath, false, 'preStopPath');
  const livenessPath = validateRoutePath(options.livenessPath, false, 'livenessPath');
  // The probe takes its own options (checks, checkTimeout, failDuringShutdown) from the plugin's.
  const probes: [string | false, () => ProbeAnswer | Promise<ProbeAnswer>][] = [
    [path, readinessProbe({ ...pick(given, READINESS_OPTION_KEYS), shutdown: o.shutdown })],
    [livenessPath, alive],
  ];
  for (const [route, probe] of probes) {
    if (!route) continue;
    fastify.get(route, async (_request, reply) => {
      const { statusCode, body } = await probe();
      reply.code(statusCode).headers(READINESS_HEADERS);
      return body;
    });
  }
  if (preStopPath) {
    const preStop = preStopHandler({ shutdown: o.shutdown });
    fastify.get(preStopPath, (request, reply) => {
      reply.hijack();
      preStop(request.raw, reply.raw);
    });
  }

  // Two hooks. The drain runs at the drain's priority (Priority.SERVER): stop accepting,
  // Connection: close, quiet sockets closed safely. `fastify.close()` runs at Priority.RESOURCE,
  // so its onClose hooks (database plugins and the like) run after the app's workers and flushes,
  // which may still need them. When the application asked Fastify to close connections itself
  // (forceCloseConnections: true), the drain closes them all at once as Fastify would, and
  // nothing is tracked on the request path.
  const name = o.name ?? 'fastify';
  const undoDrain = attachDrain(fastify.server as unknown as Server, o, {
    name,
    track: !forcesConnections(fastify),
  });
  const unregisterClose = o.shutdown.onShutdown(`${name} onClose`, () => fastify.close(), {
    priority: Priority.RESOURCE,
  });
  fastify.addHook('onClose', async () => {
    // Closed by the application itself, nothing is left for the registry to do; closed by the
    // shutdown, unregistering is harmless (the running shutdown keeps its hooks).
    undoDrain();
    unregisterClose();
  });
};

function forcesConnections(fastify: FastifyInstance): boolean {
  return (
    (fastify.initialConfig as { forceCloseConnections?: unknown }).forceCloseConnections === true
  );
}

/**
 * The Fastify plugin (Fastify 4 and 5). Registers a readiness route and two shutdown hooks: one
 * that, after `delay`, drains the server without dropping a request (at `priority`, default
 * `Priority.SERVER`), and `<name> onClose`, which calls `fastify.close()` at `Priority.RESOURCE`,
 * so Fastify's `onClose` hooks run after the app's workers and flushes. With
 * `forceCloseConnections: true` the drain closes every connection at once, as Fastify would.
 *
 * @example
 * await app.register(shutdownHooks, { delay: 5000 });
 */
export const shutdownHooks = fp(plugin, { fastify: '>=4', name: 'shutdown-hooks' });
export default shutdownHooks;
