import { log } from './debug.js';
import { describe } from './validate.js';

interface Flushable {
  readonly writableLength?: number;
  write(chunk: string, encoding: BufferEncoding, callback: (error?: Error | null) => void): boolean;
}

/**
 * Waits, at most `timeout` ms, until what was written to stdout and stderr has been handed to the
 * OS. `process.exit()` drops data still queued on asynchronous streams (pipes to a log shipper),
 * which is how a crash report goes missing from `kubectl logs`. A stream whose `write` was
 * replaced (PM2 writes to its own log files that way, and the stream's own queue then stays empty)
 * is asked too: an empty write whose callback fires once what came before it is written. When the
 * wait is cut short, one line on stderr (if stderr itself is not the stream stuck) says how much
 * may be lost.
 */
export function flushStdio(timeout: number): Promise<void> {
  const streams = { stdout: process.stdout, stderr: process.stderr } as Record<string, Flushable>;
  const pending = new Set(Object.keys(streams).filter((name) => mayHoldData(streams[name]!)));
  if (pending.size === 0 || timeout === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      const names = [...pending];
      // A pipe's pending write counts whole until it completes: an upper bound of what is lost.
      const queued = names.reduce((sum, name) => sum + (streams[name]!.writableLength ?? 0), 0);
      const line = `${names.join(' and ')} not flushed within ${timeout} ms (flushTimeout); exiting anyway, up to ${queued} bytes not written`;
      log.core(line);
      if (!pending.has('stderr')) {
        try {
          process.stderr.write(`shutdown-hooks: ${line}\n`);
        } catch {
          // Nowhere left to say it.
        }
      }
      resolve();
    }, timeout);
    timer.unref();
    for (const name of pending) {
      const settle = () => {
        pending.delete(name);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      try {
        streams[name]!.write('', 'utf8', settle);
      } catch {
        settle();
      }
    }
  });
}

/** Data may still be on its way: queued on the stream, or written through a replaced `write`. */
function mayHoldData(stream: Flushable): boolean {
  return (stream.writableLength ?? 0) > 0 || Object.hasOwn(stream, 'write');
}

export function validateExitCode(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
    throw new TypeError(
      `Expected \`exitCode\` to be an integer from 0 to 255, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Ends the process as the `exit` option says: `true` exits with `code` once stdout and stderr are
 * flushed (at most `flushMs`; 0 exits at once), after `beforeExit`; a function receives the code;
 * `false` leaves the process alone.
 */
export async function endProcess(
  exit: boolean | ((code: number) => void),
  code: number,
  flushMs: number,
  beforeExit: () => void,
): Promise<void> {
  if (exit === false) return;
  if (typeof exit === 'function') {
    exit(code);
    return;
  }
  if (flushMs > 0) await flushStdio(flushMs);
  beforeExit();
  process.exit(code);
}
