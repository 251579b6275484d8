/**
 * Express 4 and 5: probes as middleware, and 503 for requests during the drain.
 *
 * @module shutdown-hooks/express
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { optionKeys, validateMs, validateOptions } from '../core/validate.js';
import { isDraining } from '../http/drain.js';

export type {
  DrainOptions,
  HealthCheck,
  LongLivedConnection,
  ProbeOptions,
  ReadinessOptions,
} from '../http/index.js';
export {
  drainHttp,
  isDraining,
  livenessHandler as liveness,
  preStopHandler,
  readinessHandler as readiness,
} from '../http/index.js';

export interface RejectWhileDrainingOptions {
  /**
   * Seconds sent in `Retry-After`, telling clients when to try again (elsewhere).
   * @default 1
   */
  readonly retryAfter?: number;
}

const REJECT_OPTION_KEYS = optionKeys<RejectWhileDrainingOptions>({ retryAfter: true });

/** Express's `next`. */
export type NextFunction = (error?: unknown) => void;

/**
 * Express middleware (Express 4 and 5) that answers requests arriving on a kept-alive connection
 * after the drain began with `503 Service Unavailable`, `Retry-After` and `Connection: close`,
 * instead of serving them. Without it such requests are served and the connection then closes.
 * Requests during `delay` are served either way: the drain has not begun yet.
 *
 * @example
 * app.use(rejectWhileDraining());
 * app.get('/ready', readiness());
 * drainHttp(app.listen(3000), { delay: 5000 });
 */
export function rejectWhileDraining(
  options?: RejectWhileDrainingOptions,
): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void {
  const o = validateOptions<RejectWhileDrainingOptions>(options, 'options', REJECT_OPTION_KEYS);
  const retryAfter = String(
    o.retryAfter === undefined ? 1 : validateMs(o.retryAfter, 'retryAfter', { allowZero: true }),
  );
  return (req, res, next) => {
    if (!isDraining(req)) {
      next();
      return;
    }
    res.statusCode = 503;
    res.setHeader('connection', 'close');
    res.setHeader('retry-after', retryAfter);
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('shutting down\n');
  };
}
