import { HookFailedError, ShutdownForcedError } from './errors.js';
import type { HookEntry } from './registry.js';
import type { HookResult, HookStatus, ShutdownEvents } from './types.js';

/** Emits a typed event of the instance (listener errors are the instance's to handle). */
export type Emit = <E extends keyof ShutdownEvents>(
  event: E,
  ...args: Parameters<ShutdownEvents[E]>
) => void;

/** What a run of the sequence ended with, before it becomes the report. */
export interface RunOutcome {
  readonly hooks: HookResult[];
  readonly timedOut: boolean;
  readonly forced: ShutdownForcedError | undefined;
}

/** How one hook ended: cut off (its timeout, the global deadline, a forced exit), failed, or not run. */
export interface HookEnd {
  readonly cut?: Error | undefined;
  readonly failed?: boolean;
  readonly thrown?: unknown;
  readonly skipped?: boolean;
}

/**
 * A hook's line in the report. Cut off by a forced exit: `error`; by a deadline: `timeout`.
 * A thrown value that is not an Error is wrapped, so the report always holds one.
 */
export function resultOf(
  entry: HookEntry,
  durationMs: number,
  end: HookEnd,
  startMs?: number,
): HookResult {
  let status: HookStatus = end.skipped ? 'skipped' : 'ok';
  let error: unknown;
  if (end.cut) {
    error = end.cut;
    status = end.cut instanceof ShutdownForcedError ? 'error' : 'timeout';
  } else if (end.failed) {
    error = end.thrown instanceof Error ? end.thrown : new HookFailedError(entry.name, end.thrown);
    status = 'error';
  }
  const result = {
    name: entry.name,
    priority: entry.priority,
    status,
    durationMs,
    ...(startMs === undefined ? {} : { startMs }),
  };
  return error === undefined ? result : { ...result, error };
}
