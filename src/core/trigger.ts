import { validateExitCode } from './exit.js';
import type { RunOutcome } from './result.js';
import { signalExitCode } from './signals.js';
import type { ShutdownReason } from './types.js';
import { optionKeys, validateName, validateOptions } from './validate.js';

/** Options of a manual `shutdown()`. */
export interface ManualShutdownOptions {
  /** Recorded as the report's `reason`. @default 'manual' */
  readonly reason?: string;
  /** The exit code of a clean shutdown (a failed one exits 1 unless this is non-zero). @default 0 */
  readonly exitCode?: number;
}

const MANUAL_OPTION_KEYS = optionKeys<ManualShutdownOptions>({ reason: true, exitCode: true });

/**
 * What starts a shutdown, as one value whatever the event: a signal, a crash, the parent's loss,
 * a message, the event loop emptying, `shutdown()` (and so a preStop request). It carries the
 * report's reason and the exit code a clean shutdown ends with.
 */
export interface Trigger {
  readonly reason: ShutdownReason;
  /** The exit code of a clean shutdown. */
  readonly exitCode: number;
  /** The signal that started it: only a repeat of that signal may force an exit. */
  readonly signal?: NodeJS.Signals;
}

export const trigger = {
  /** A signal: 0 for a clean stop, unless the signal is to end with the shell's 128 + n. */
  signal(signal: NodeJS.Signals, signalExitCodes: readonly NodeJS.Signals[]): Trigger {
    return {
      reason: signal,
      signal,
      exitCode: signalExitCodes.includes(signal) ? signalExitCode(signal) : 0,
    };
  },
  /** An uncaught error: the shutdown is graceful, the exit code 1. */
  crash(kind: 'uncaughtException' | 'unhandledRejection'): Trigger {
    return { reason: kind, exitCode: 1 };
  },
  /** The event loop emptied: the code the program set (`process.exitCode`), as Node would exit. */
  naturalExit(code: unknown): Trigger {
    const n = Number(code ?? 0);
    return { reason: 'beforeExit', exitCode: Number.isInteger(n) ? n : 0 };
  },
  /** `shutdown()` by hand (a preStop request too), its options validated. */
  manual(options: unknown): Trigger {
    const o = validateOptions<ManualShutdownOptions>(options, 'options', MANUAL_OPTION_KEYS);
    const reason = o.reason === undefined ? 'manual' : validateName(o.reason, 'reason');
    return { reason, exitCode: o.exitCode === undefined ? 0 : validateExitCode(o.exitCode) };
  },
  /** The parent's loss, an IPC message, a supervisor's stop. */
  requested(reason: ShutdownReason, exitCode = 0): Trigger {
    return { reason, exitCode };
  },
};

/**
 * The exit code, decided here and nowhere else. Forced by a repeated signal: 128 + n. Otherwise
 * the trigger's code when everything went well; when something failed (a hook threw, rejected or
 * timed out, the global deadline passed, an error went uncaught), 1 — or the trigger's own code
 * if that is not 0 already.
 */
export function exitCodeOf(trigger: Trigger, outcome: RunOutcome, crashed: boolean): number {
  if (outcome.forced) return signalExitCode(outcome.forced.signal);
  const failed =
    crashed ||
    outcome.timedOut ||
    outcome.hooks.some((h) => h.status === 'error' || h.status === 'timeout');
  if (!failed) return trigger.exitCode;
  return trigger.exitCode === 0 ? 1 : trigger.exitCode;
}
