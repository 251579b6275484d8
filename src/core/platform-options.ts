import { log } from './debug.js';
import { environment } from './environment.js';
import type { ResolvedOptions } from './options.js';
import {
  detectPlatform,
  PLATFORMS,
  type PlatformProfile,
  platformNamed,
  repeatsSignal,
  timeoutFor,
} from './platform.js';
import type { ProcessLike } from './types.js';
import { describe, didYouMean } from './validate.js';

// What a platform profile does to an instance's options (the defaults it sets, the warning it
// gives), and what the instance says of it when its listeners go in.

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

/**
 * The default `timeout` on a platform: its budget. A `delay` of the user's that the budget cannot
 * hold comes before it instead of failing at start-up; the grace warning then says the sequence
 * outlasts the platform.
 */
export function platformTimeout(platform: PlatformProfile, delay: unknown): number {
  const budget = timeoutFor(platform.graceMs);
  return typeof delay === 'number' && delay >= budget ? delay + budget : budget;
}

/** The profile `platform` asks for: detected (on the real process only), named, or none. */
export function resolvePlatform(value: unknown, proc: ProcessLike): PlatformProfile | null {
  if (value === false) return null;
  if (value === 'auto') return proc === globalThis.process ? detectPlatform() : null;
  // A name of no row, or no string at all, finds none.
  const named = platformNamed(value as string, proc === globalThis.process ? environment : {});
  if (named) return named;
  const names = PLATFORMS.map((row) => row.name);
  throw new TypeError(
    `Expected \`platform\` to be 'auto', false or one of ${names.map((n) => `'${n}'`).join(', ')}, got ${describe(value)}${typeof value === 'string' ? didYouMean(value, names) : ''}`,
  );
}

/** `signals` with the platform's stop signal added when it is not there already. */
export function withSignal(
  signals: readonly NodeJS.Signals[],
  platform: PlatformProfile | null,
): readonly NodeJS.Signals[] {
  return !platform || signals.includes(platform.signal)
    ? signals
    : Object.freeze([...signals, platform.signal]);
}

/** `forceSignals` without the stop signal of a platform that repeats it (PM2's second SIGINT). */
export function withoutRepeated(
  signals: readonly NodeJS.Signals[],
  platform: PlatformProfile | null,
): readonly NodeJS.Signals[] {
  if (!platform || !repeatsSignal(platform)) return signals;
  return signals.filter((signal) => signal !== platform.signal);
}

/** What to warn of when the sequence cannot end before the platform's SIGKILL, if it cannot. */
export function graceWarning(
  platform: PlatformProfile | null,
  { timeout, delay, watchdogGrace }: { timeout: number; delay: number; watchdogGrace: number },
  timeoutGiven: boolean,
): string | undefined {
  if (!platform || timeout + watchdogGrace <= platform.graceMs) return undefined;
  const budget = timeoutGiven ? '' : `: your delay of ${delay} ms, then the hooks' budget`;
  return `The shutdown's timeout (${timeout} ms${budget}, plus the watchdog's ${watchdogGrace} ms) cannot end before ${platform.name}'s SIGKILL, ${platform.graceMs} ms after its ${platform.signal}: lower \`${timeoutGiven ? 'timeout' : 'delay'}\` or lengthen the platform's grace period.`;
}
