import { log } from './debug.js';
import type { RunOutcome } from './run.js';
import { signalExitCode } from './signals.js';
import { describe } from './validate.js';

interface Flushable {
  readonly writableLength?: number;
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/**
 * Waits, at most `timeout` ms, until what was written to stdout and stderr has been handed to the
 * OS. `process.exit()` drops data still queued on asynchronous streams (pipes to a log shipper),
 * which is how a crash report goes missing from `kubectl logs`.
 */
export function flushStdio(timeout: number): Promise<void> {
  const streams = [process.stdout, process.stderr] as Flushable[];
  const pending = streams.filter((stream) => (stream.writableLength ?? 0) > 0);
  if (pending.length === 0 || timeout === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = pending.length;
    const timer = setTimeout(() => {
      const queued = pending.reduce((sum, stream) => sum + (stream.writableLength ?? 0), 0);
      // A pipe's pending write counts whole until it completes: an upper bound of what is lost.
      log.core(
        'stdio not flushed within %d ms; exiting anyway, up to %d bytes not written',
        timeout,
        queued,
      );
      resolve();
    }, timeout);
    timer.unref();
    const settle = () => {
      left -= 1;
      if (left === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const stream of pending) {
      try {
        stream.write('', settle);
      } catch {
        settle();
      }
    }
  });
}

/** The report's exit code: 128 + n when forced; on failure 1 (or a non-zero code asked for). */
export function exitCodeOf(outcome: RunOutcome, requested: number, crashed: boolean): number {
  if (outcome.forced) return signalExitCode(outcome.forced.signal);
  const failed =
    crashed ||
    outcome.timedOut ||
    outcome.hooks.some((h) => h.status === 'error' || h.status === 'timeout');
  if (!failed) return requested;
  return requested === 0 ? 1 : requested;
}

export function validateExitCode(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
    throw new TypeError(
      `Expected \`exitCode\` to be an integer from 0 to 255, got ${describe(value)}`,
    );
  }
  return value;
}
