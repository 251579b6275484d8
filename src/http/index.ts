/**
 * Draining `node:http`, `node:https` and `node:http2` servers, and the probes.
 *
 * @module shutdown-hooks/http
 */
export { drainHttp, isDraining } from './drain.js';
export { DRAIN_DEFAULTS, type DrainOptions, type LongLivedConnection } from './options.js';
export {
  type HealthCheck,
  livenessHandler,
  type ProbeHandler,
  type ProbeOptions,
  type ProbeRequest,
  type ProbeResponse,
  preStopHandler,
  type ReadinessOptions,
  readinessHandler,
} from './readiness.js';
export type { BunServer, DenoServer, NativeServer } from './server.js';
