import { builtin } from './builtin.js';

/**
 * Prints an uncaught error the way Node would have before the listener took it over, so a crash
 * is never silent: the inspected error with its stack, then the Node version line.
 */
export function printCrash(
  stderr: { write(chunk: string): unknown },
  kind: 'uncaughtException' | 'unhandledRejection',
  error: unknown,
): void {
  const { inspect } = builtin('node:util');
  let body: string;
  if (error instanceof Error) {
    body = inspect(error);
  } else if (kind === 'unhandledRejection') {
    body =
      '[UnhandledPromiseRejection: This error originated either by throwing inside of an async function ' +
      'without a catch block, or by rejecting a promise which was not handled with .catch(). The promise ' +
      `rejected with the reason "${inspect(error)}".] {\n  code: 'ERR_UNHANDLED_REJECTION'\n}`;
  } else {
    body = `Uncaught ${inspect(error)}`;
  }
  const stream = stderr as CrashOutput;
  // A stream already closed or failed (its reader is gone) has nowhere left to say it.
  if (stream.destroyed || stream.writableEnded) return;
  const chunk = `${body}\n\nNode.js ${process.version}\n`;
  try {
    if (typeof stream.once !== 'function') {
      stream.write(chunk);
      return;
    }
    // When the reader of stderr has gone, the write fails later with EPIPE, emitted as an 'error'
    // that nobody handles: a new uncaughtException, printed again, failing again, forever. The
    // failure of our own crash output is swallowed here; the listener goes once the write is done.
    stream.once('error', ignore);
    stream.write(chunk, (error?: Error | null) => {
      if (!error) stream.off?.('error', ignore);
    });
  } catch {
    // stderr is gone (closed pipe); there is nowhere left to say it.
  }
}

interface CrashOutput {
  write(chunk: string, callback?: (error?: Error | null) => void): unknown;
  once?(event: 'error', listener: () => void): unknown;
  off?(event: 'error', listener: () => void): unknown;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
}

function ignore(): void {}
