import { builtin } from './builtin.js';
import { log } from './debug.js';
import { environment } from './environment.js';
import type { ShutdownReport } from './types.js';

/**
 * The environment variable naming a file the report is written to, as JSON, when a shutdown of the
 * real process is done. `shutdown-hooks rehearse` sets it to show the service's own report.
 */
export const REPORT_FILE_ENV = 'SHUTDOWN_HOOKS_REPORT_FILE';

export function writeReportFile(report: ShutdownReport): void {
  const file = environment[REPORT_FILE_ENV];
  if (!file) return;
  try {
    const { writeFileSync } = builtin('node:fs');
    writeFileSync(file, JSON.stringify(report, serializeError));
  } catch (error) {
    log.core('could not write the report to %s: %O', file, error);
  }
}

/** Errors become `{ name, message, code? }`: JSON.stringify would write `{}`. */
function serializeError(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { code } = value as { code?: unknown };
  return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
}
