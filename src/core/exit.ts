import { log } from './debug.js';

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
      log.core('stdio not flushed within %d ms; exiting anyway', timeout);
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
