import { constants } from 'node:os';
import { describe } from './validate.js';

/**
 * Signals a JavaScript handler must never take. SIGSEGV, SIGBUS, SIGFPE and SIGILL leave the
 * process in an undefined state (Node's docs say handling them "will cause an endless loop");
 * SIGKILL and SIGSTOP cannot be caught at all.
 */
const UNSAFE = new Set(['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGKILL', 'SIGSTOP']);

/** The signal's number on this platform, used for the 128 + n exit code of a forced exit. */
export function signalNumber(signal: string): number {
  return (constants.signals as Record<string, number | undefined>)[signal] ?? 0;
}

/** The exit code a shell reports for a process ended by `signal`: 128 + n. */
export function signalExitCode(signal: string): number {
  return 128 + signalNumber(signal);
}

/** Throws a `TypeError` unless every entry is a signal that is safe to handle in JavaScript. */
export function validateSignals(value: unknown, option = 'signals'): readonly NodeJS.Signals[] {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Expected \`${option}\` to be an array of signal names, got ${describe(value)}`,
    );
  }
  for (const name of value) {
    if (typeof name !== 'string' || signalNumber(name) === 0) {
      throw new TypeError(
        `Expected \`${option}\` to hold signal names like "SIGTERM", got ${describe(name)}`,
      );
    }
    if (UNSAFE.has(name)) {
      throw new TypeError(
        `Expected \`${option}\` to hold signals that are safe to handle, got "${name}" (${[...UNSAFE].join(', ')} are refused)`,
      );
    }
  }
  return Object.freeze([...new Set(value as NodeJS.Signals[])]);
}

/** Marks the signal listeners of every instance, of any copy of the package, on the process. */
const REGISTRY_LISTENER: unique symbol = Symbol.for('shutdown-hooks.signal-listener.v0');

/** A signal listener, marked with the instance it belongs to, for the adapters that look for it. */
export function registryListener<T extends (...args: never[]) => unknown>(
  listener: T,
  instance: object,
): T {
  return Object.assign(listener, { [REGISTRY_LISTENER]: instance });
}

/** Whether `instance` listens to `signal` on this process. */
export function listensTo(instance: object, signal: string): boolean {
  return process
    .listeners(signal as NodeJS.Signals)
    .some(
      (listener) => (listener as { [REGISTRY_LISTENER]?: unknown })[REGISTRY_LISTENER] === instance,
    );
}

/**
 * The repeated-signal rule: during a shutdown, a signal forces an immediate exit only when it
 * repeats the signal that started it and is one of `forceSignals` (a person pressing Ctrl-C
 * again). After a preStop or `shutdown()`, the orchestrator's signal is the expected next step;
 * after Ctrl-C, the SIGTERM a supervisor forwards to its whole tree is the same stop again; a
 * repeated SIGTERM is most often other code in this process re-raising it after its cleanup.
 */
export function repeatForces(
  started: { readonly signal?: NodeJS.Signals } | undefined,
  signal: NodeJS.Signals,
  forceSignals: readonly NodeJS.Signals[],
): boolean {
  return started?.signal === signal && forceSignals.includes(signal);
}
