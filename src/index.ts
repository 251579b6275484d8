/**
 * The core: the process-wide registry of shutdown hooks, the flag, the signal, and instances of your own.
 *
 * @module shutdown-hooks
 */
export {
  configureShutdown,
  getDefaultShutdown,
  isShuttingDown,
  onShutdown,
  setReady,
  shutdown,
  shutdownSignal,
} from './core/default.js';
export {
  HookFailedError,
  HookTimeoutError,
  ShutdownError,
  type ShutdownErrorCode,
  ShutdownForcedError,
  ShutdownInProgressError,
  ShutdownStartedError,
  ShutdownTimeoutError,
} from './core/errors.js';
export { DEFAULTS, KUBERNETES_DEFAULTS, type ShutdownOptions } from './core/options.js';
export {
  detectPlatform,
  PLATFORMS,
  type PlatformName,
  type PlatformProfile,
} from './core/platform.js';
export { Priority, type PriorityName } from './core/priority.js';
export { createShutdown, Shutdown } from './core/shutdown.js';
export type { ManualShutdownOptions } from './core/trigger.js';
export type {
  ForceEvent,
  Hook,
  HookContext,
  HookOptions,
  HookResult,
  HookStatus,
  ProcessLike,
  ProcessListener,
  ShutdownEvents,
  ShutdownReason,
  ShutdownReport,
  ShutdownState,
  TimeoutEvent,
} from './core/types.js';
export { createWorkTracker, type WorkTracker, type WorkTrackerOptions } from './core/work.js';
