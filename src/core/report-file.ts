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

/**
 * Errors become `{ name, message, code }`, where JSON.stringify would write `{}`; a `code` that is
 * undefined is left out, as JSON leaves out every undefined value.
 */
function serializeError(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
}
