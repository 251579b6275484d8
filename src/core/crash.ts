import { inspect } from 'node:util';

/**
 * Prints an uncaught error the way Node would have before the listener took it over, so a crash
 * is never silent: the inspected error with its stack, then the Node version line.
 */
export function printCrash(
  stderr: { write(chunk: string): unknown },
  kind: 'uncaughtException' | 'unhandledRejection',
  error: unknown,
): void {
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
  try {
    stderr.write(`${body}\n\nNode.js ${process.version}\n`);
  } catch {
    // stderr is gone (closed pipe); there is nowhere left to say it.
  }
}
