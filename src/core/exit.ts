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
      // A replaced write, or Bun's streams, hold data without counting it.
      const lost = queued > 0 ? `up to ${queued} bytes not written` : 'what they held may be lost';
      const line = `${names.join(' and ')} not flushed within ${timeout} ms (flushTimeout); exiting anyway, ${lost}`;
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
      const stream = streams[name]!;
      // Bun calls a write's callback before what was queued ahead of it is out: its 'drain' is
      // the one sign that the queue is empty.
      if (backedUp.has(stream as object)) {
        (stream as unknown as NodeJS.WriteStream).once('drain', settle);
        continue;
      }
      try {
        stream.write('', 'utf8', settle);
      } catch {
        settle();
      }
    }
  });
}

/** Data may still be on its way: queued on the stream, or written through a replaced `write`. */
function mayHoldData(stream: Flushable): boolean {
  return (
    (stream.writableLength ?? 0) > 0 ||
    Object.hasOwn(stream, 'write') ||
    backedUp.has(stream as object)
  );
}

/** Bun's stdout and stderr whose last write was refused (returned false) and not yet drained. */
const backedUp = new WeakSet<object>();

/**
 * On Bun, follows whether stdout and stderr hold data: Bun's streams report an empty queue
 * (`writableLength` 0) while they hold megabytes, and call a write's callback early; only a
 * write's `false` and the `'drain'` after it tell. Once per process.
 */
export function watchStdioOnBun(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const marked = stream as NodeJS.WriteStream & { [kWatched]?: true };
    if (marked[kWatched]) continue;
    marked[kWatched] = true;
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, ...args: unknown[]) {
      const ok = (write as (...a: unknown[]) => boolean).apply(this, args);
      if (!ok) backedUp.add(stream);
      return ok;
    } as typeof stream.write;
    stream.on('drain', () => backedUp.delete(stream));
  }
}
const kWatched = Symbol.for('shutdown-hooks.stdio-watched');

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
