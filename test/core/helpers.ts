import { createShutdown, type Shutdown, type ShutdownOptions } from '../../src/index.js';
import { createFakeProcess, type FakeProcess } from '../../src/testing/index.js';

export interface Harness {
  sd: Shutdown;
  fake: FakeProcess;
  exits: number[];
  /** Names in the order things happened, for ordering assertions. */
  log: string[];
}

/** An instance on a fake process that records exit codes instead of exiting. */
export function harness(options: Omit<ShutdownOptions, 'process' | 'exit'> = {}): Harness {
  const fake = createFakeProcess();
  const exits: number[] = [];
  const sd = createShutdown({ ...options, process: fake, exit: (code) => exits.push(code) });
  return { sd, fake, exits, log: [] };
}

/** A promise with its resolve function, for hooks a test finishes by hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A hook that never settles unless its ctx.signal aborts (then it resolves). */
export function waitForAbort(ctx: { signal: AbortSignal }): Promise<void> {
  return new Promise((resolve) =>
    ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
