export { drainHttp, isDraining } from './drain.js';
export { DRAIN_DEFAULTS, type DrainOptions, type LongLivedConnection } from './options.js';
export {
  type HealthCheck,
  livenessHandler,
  type ProbeOptions,
  preStopHandler,
  type ReadinessOptions,
  readinessHandler,
} from './readiness.js';
