import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { shutdownOption } from '../core/default.js';
import type { Shutdown } from '../core/shutdown.js';
import type { ShutdownState } from '../core/types.js';
import {
  optionKeys,
  validateBoolean,
  validateFunction,
  validateMs,
  validateOptions,
  validateRecord,
} from '../core/validate.js';

/**
 * A check a probe runs on each request. It fails by throwing, rejecting or returning `false`, or
 * by taking longer than `checkTimeout`; it receives the instance's state.
 */
export type HealthCheck = (state: ShutdownState) => unknown;

export interface ProbeOptions {
  /**
   * The instance whose state is reported.
   * @default the process-wide instance
   */
  readonly shutdown?: Shutdown;
  /**
   * Checks run on each request, by name; the probe answers 503 when one fails.
   * @default none
   */
  readonly checks?: Readonly<Record<string, HealthCheck>>;
  /**
   * Ms a check may take before it counts as failed.
   * @default 1000
   */
  readonly checkTimeout?: number;
}

export interface ReadinessOptions extends ProbeOptions {
  /**
   * Answer 503 from the moment shutdown begins. `false` keeps answering 200 (for a load balancer
   * that must not react to it).
   * @default true
   */
  readonly failDuringShutdown?: boolean;
}

export const PROBE_OPTION_KEYS = optionKeys<ProbeOptions>({
  shutdown: true,
  checks: true,
  checkTimeout: true,
});
export const READINESS_OPTION_KEYS = optionKeys<ReadinessOptions>({
  shutdown: true,
  checks: true,
  checkTimeout: true,
  failDuringShutdown: true,
});

const PRE_STOP_OPTION_KEYS = optionKeys<Pick<ProbeOptions, 'shutdown'>>({ shutdown: true });

export const PROBE_DEFAULTS = Object.freeze({ checkTimeout: 1000, failDuringShutdown: true });

/** The request a probe handler takes: from `node:http`, `node:https` or `node:http2`'s compatibility API. */
export type ProbeRequest = IncomingMessage | Http2ServerRequest;
/** The response a probe handler answers on. */
export type ProbeResponse = ServerResponse | Http2ServerResponse;
export type ProbeAnswer = { readonly statusCode: 200 | 503; readonly body: string };

/**
 * A probe's handler: a `node:http` (Express, Koa-style) handler, and a fetch handler too, for
 * `Bun.serve()`, `Deno.serve()` and any server that passes a web `Request` alone.
 */
export interface ProbeHandler {
  (req: ProbeRequest, res: ProbeResponse): void;
  (request: Request): Promise<Response>;
}

/**
 * A request handler for a readiness probe: `503 starting` until the application is ready (see
 * `setReady()`; ready from the start unless the instance has `ready: false`), then `200 ok`, then
 * `503 shutting down` from the moment shutdown begins (through the `delay`, while other routes
 * keep serving), and `503` whenever one of its `checks` fails. Works as a plain `node:http`
 * handler, as an Express or Koa-style route handler, and as a fetch handler (`Bun.serve()`,
 * `Deno.serve()`): called with a web `Request` alone, it resolves with the `Response`.
 *
 * @example
 * app.get('/ready', readinessHandler());
 */
export function readinessHandler(options?: ReadinessOptions): ProbeHandler {
  return handlerOf(readinessProbe(options));
}

/**
 * A request handler for a liveness probe: `200 alive` for as long as the process runs, through
 * the drain too, so that Kubernetes does not restart a pod that is stopping on purpose; `503`
 * when one of its `checks` fails.
 *
 * @example
 * app.get('/live', livenessHandler());
 */
export function livenessHandler(options?: ProbeOptions): ProbeHandler {
  const o = validateOptions<ProbeOptions>(options, 'options', PROBE_OPTION_KEYS);
  const shutdown = shutdownOption(o.shutdown);
  const checks = checksOf(o);
  return handlerOf(checks ? () => checks(shutdown.state) : alive);
}

/** The readiness answer as a function, for adapters. */
export function readinessProbe(
  options?: ReadinessOptions,
): () => ProbeAnswer | Promise<ProbeAnswer> {
  const o = validateOptions<ReadinessOptions>(options, 'options', READINESS_OPTION_KEYS);
  const shutdown = shutdownOption(o.shutdown);
  const failDuringShutdown =
    o.failDuringShutdown === undefined
      ? PROBE_DEFAULTS.failDuringShutdown
      : validateBoolean(o.failDuringShutdown, 'failDuringShutdown');
  const checks = checksOf(o);
  return () => {
    if (shutdown.isShuttingDown()) {
      if (failDuringShutdown) return { statusCode: 503, body: 'shutting down\n' };
    } else if (!shutdown.isReady()) return { statusCode: 503, body: 'starting\n' };
    return checks ? checks(shutdown.state) : OK;
  };
}

const OK: ProbeAnswer = Object.freeze({ statusCode: 200, body: 'ok\n' });
const ALIVE: ProbeAnswer = Object.freeze({ statusCode: 200, body: 'alive\n' });

/** The liveness answer without checks (the adapters' routes): alive while the process runs. */
export const alive = (): ProbeAnswer => ALIVE;

/** Runs the checks, each bounded by `checkTimeout`; never throws, never hangs. */
function checksOf(o: ProbeOptions): ((state: ShutdownState) => Promise<ProbeAnswer>) | undefined {
  const timeout =
    o.checkTimeout === undefined
      ? PROBE_DEFAULTS.checkTimeout
      : validateMs(o.checkTimeout, 'checkTimeout');
  const checks = Object.entries(
    validateRecord<Record<string, HealthCheck>>(o.checks, 'checks'),
  ) as [string, HealthCheck][];
  for (const [name, check] of checks) validateFunction(check, `checks.${name}`);
  if (checks.length === 0) return undefined;
  return async (state) => {
    const failures = await Promise.all(
      checks.map(async ([name, check]) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve(`took longer than ${timeout} ms`), timeout);
        });
        const run = (async () =>
          (await check(state)) === false ? 'returned false' : undefined)().catch(
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        const failure = await Promise.race([run, late]);
        clearTimeout(timer);
        return failure === undefined ? undefined : `check "${name}" failed: ${failure}`;
      }),
    );
    const failed = failures.filter((f) => f !== undefined);
    return failed.length === 0 ? OK : { statusCode: 503, body: `${failed.join('\n')}\n` };
  };
}

/**
 * A handler that answers at once, or when the answer is ready: on `res`, or, called with a web
 * `Request` alone, as the `Response` it resolves with.
 */
function handlerOf(answer: () => ProbeAnswer | Promise<ProbeAnswer>): ProbeHandler {
  return ((_req: unknown, res?: ProbeResponse) => {
    const settled = answer();
    if (res === undefined) return Promise.resolve(settled).then(toResponse);
    if (settled instanceof Promise) void settled.then((a) => send(res, a));
    else send(res, settled);
    return undefined;
  }) as ProbeHandler;
}

function toResponse({ statusCode, body }: ProbeAnswer): Response {
  return new Response(body, { status: statusCode, headers: READINESS_HEADERS });
}

function send(res: ProbeResponse, { statusCode, body }: ProbeAnswer): void {
  res.statusCode = statusCode;
  for (const [name, value] of Object.entries(READINESS_HEADERS)) res.setHeader(name, value);
  res.end(body);
}

/**
 * A request handler for Kubernetes' `lifecycle.preStop.httpGet`, for images without a `sleep`
 * binary. A request to it begins the shutdown (reason `'preStop'`): readiness turns 503 at once,
 * and it answers `200 stopping` when the instance's `delay` has passed (when the first hook
 * starts), so the kubelet sends SIGTERM only once the endpoints have dropped the pod. That SIGTERM
 * is the expected next step, not a repeated signal: it never forces an exit. A request once the
 * shutdown has begun is answered at once.
 *
 * @example
 * app.get('/pre-stop', preStopHandler());
 */
export function preStopHandler(options?: Pick<ProbeOptions, 'shutdown'>): ProbeHandler {
  const o = validateOptions<ProbeOptions>(options, 'options', PRE_STOP_OPTION_KEYS);
  const shutdown = shutdownOption(o.shutdown);
  const stopping: ProbeAnswer = { statusCode: 200, body: 'stopping\n' };
  return handlerOf(() => {
    if (shutdown.state !== 'running') return stopping;
    const over = new Promise<ProbeAnswer>((resolve) => {
      const done = () => {
        shutdown.off('hook:start', done);
        shutdown.off('done', done);
        resolve(stopping);
      };
      shutdown.on('hook:start', done);
      shutdown.on('done', done);
    });
    void shutdown.shutdown({ reason: 'preStop' });
    return over;
  });
}

export const READINESS_HEADERS = Object.freeze({
  'content-type': 'text/plain; charset=utf-8',
  'cache-control': 'no-store',
});
