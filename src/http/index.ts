export { drainHttp, isDraining } from './drain.js';
export { DRAIN_DEFAULTS, type DrainOptions, type LongLivedConnection } from './options.js';
export { preStopHandler, type ReadinessOptions, readinessHandler } from './readiness.js';
