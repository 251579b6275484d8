import { log } from './debug.js';
import type { RunOutcome } from './result.js';
import type { ShutdownRun } from './run.js';
import { RUNTIME, RUNTIME_LIMITS } from './runtime.js';
import type { Trigger } from './trigger.js';
import { exitCodeOf } from './trigger.js';
import type { ShutdownReport } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The report of a run: its trigger, exit code, timings and hooks, and what was left open. */
export function buildReport(
  started: Trigger,
  run: ShutdownRun,
  outcome: RunOutcome,
  crash: { readonly error: unknown } | undefined,
  { real, platform }: { readonly real: boolean; readonly platform: string | null },
): Mutable<ShutdownReport> {
  const report: Mutable<ShutdownReport> = {
    reason: started.reason,
    platform,
    exitCode: exitCodeOf(started, outcome, crash !== undefined),
    startedAt: run.startedAt,
    durationMs: Date.now() - run.startedAt,
    timedOut: outcome.timedOut,
    hooks: outcome.hooks,
    ...(crash ? { error: crash.error } : {}),
    ...(outcome.timedOut && real ? { activeResources: activeResources() } : {}),
  };
  if (report.activeResources) {
    log.core('still open at the global deadline: %o', report.activeResources);
    if (RUNTIME === 'bun') log.core('%s', RUNTIME_LIMITS.bun.openHandles);
  }
  return report;
}

/** What holds the process open now, by kind and count. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * Says which hooks a direct `process.exit()` kept from running or finishing. During a shutdown
 * that is data loss, said on `stderr` (one line, never silent); before one, through `debug`.
 */
export function reportDirectExit(
  code: number,
  never: string[],
  cut: string[],
  stderr: { write(chunk: string): unknown } | undefined,
): void {
  if (never.length + cut.length === 0) return;
  const message = `process.exit(${code}) was called directly; async hooks cannot run. Never started: ${never.join(', ') || 'none'}. Cut off while running: ${cut.join(', ') || 'none'}`;
  if (stderr) stderr.write(`shutdown-hooks: ${message}\n`);
  else log.core('%s', message);
}
