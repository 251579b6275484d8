import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { getDefaultShutdown } from '../core/default.js';
import type { Shutdown } from '../core/shutdown.js';
import { validateOptions } from '../core/validate.js';

export interface ReadinessOptions {
  /**
   * The instance whose state is reported.
   * @default the process-wide instance
   */
  readonly shutdown?: Shutdown;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/**
 * A request handler for a readiness probe: `200 ok` while running, `503 shutting down` from the
 * moment shutdown begins (through the `delay`, while other routes keep serving). Works as a plain
 * `node:http` handler and as an Express or Koa-style route handler.
 *
 * @example
 * app.get('/ready', readinessHandler());
 */
export function readinessHandler(
  options?: ReadinessOptions,
): (req: Request, res: Response) => void {
  const o = validateOptions<ReadinessOptions>(options, 'options');
  const shutdown = o.shutdown ?? getDefaultShutdown();
  return (_req, res) => {
    const { statusCode, body } = readinessOf(shutdown);
    res.statusCode = statusCode;
    for (const [name, value] of Object.entries(READINESS_HEADERS)) res.setHeader(name, value);
    res.end(body);
  };
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
export function preStopHandler(options?: ReadinessOptions): (req: Request, res: Response) => void {
  const o = validateOptions<ReadinessOptions>(options, 'options');
  const shutdown = o.shutdown ?? getDefaultShutdown();
  return (_req, res) => {
    const answer = () => {
      res.statusCode = 200;
      for (const [name, value] of Object.entries(READINESS_HEADERS)) res.setHeader(name, value);
      res.end('stopping\n');
    };
    if (shutdown.state !== 'running') {
      answer();
      return;
    }
    const over = () => {
      shutdown.off('hook:start', over);
      shutdown.off('done', over);
      answer();
    };
    shutdown.on('hook:start', over);
    shutdown.on('done', over);
    void shutdown.shutdown({ reason: 'preStop' });
  };
}

export const READINESS_HEADERS = Object.freeze({
  'content-type': 'text/plain; charset=utf-8',
  'cache-control': 'no-store',
});

/** What a readiness probe answers: 200 while running, 503 from the moment shutdown begins. */
export function readinessOf(shutdown: Shutdown): { statusCode: 200 | 503; body: string } {
  return shutdown.isShuttingDown()
    ? { statusCode: 503, body: 'shutting down\n' }
    : { statusCode: 200, body: 'ok\n' };
}
