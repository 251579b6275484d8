import { log } from './debug.js';
import type { ResolvedOptions } from './options.js';

/** Set on the process once the grace warning was given, by any instance of any copy. */
const WARNED: unique symbol = Symbol.for('shutdown-hooks.grace-warning.v0');

/**
 * Says through `debug` which platform's defaults apply and why, and warns once per process
 * (`SHUTDOWN_HOOKS_GRACE`, through Node's warning printer) when a `timeout` of the user's cannot
 * end before the platform's SIGKILL.
 */
export function announcePlatform({
  platform,
  timeout,
  delay,
  watchdogGrace,
  graceWarning,
}: ResolvedOptions): void {
  if (log.core.enabled) {
    if (platform) {
      log.core(
        'platform %s (%s): stopped with %s, SIGKILL %d ms later (%s); timeout %d ms, delay %d ms, watchdog grace %d ms',
        platform.name,
        platform.detectedBy ? `found by ${platform.detectedBy}` : 'named by the platform option',
        platform.signal,
        platform.graceMs,
        platform.graceFrom === 'env' ? 'from its environment' : 'its default',
        timeout,
        delay,
        watchdogGrace,
      );
    } else log.core('no platform profile; timeout %d ms, delay %d ms', timeout, delay);
  }
  const holder = process as typeof process & { [WARNED]?: true };
  if (graceWarning === undefined || holder[WARNED]) return;
  holder[WARNED] = true;
  process.emitWarning(graceWarning, { code: 'SHUTDOWN_HOOKS_GRACE' });
}
