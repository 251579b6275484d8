import { log } from './debug.js';
import { describe, isThenable } from './validate.js';

/**
 * Whether the application said it is ready to take traffic (the `ready` option until it says).
 * A shutdown makes probes say not ready whatever this holds; see `Shutdown.isReady()`.
 */
export class Readiness {
  ready: boolean;
  /** The promise passed to the latest `set()`: only it may still change readiness. */
  #pending: PromiseLike<unknown> | undefined;

  constructor(ready: boolean) {
    this.ready = ready;
  }

  /** A boolean says it now; a promise makes it ready when it resolves (a rejection does not). */
  set(ready: boolean | PromiseLike<unknown>): void {
    if (typeof ready === 'boolean') {
      this.#pending = undefined;
      this.ready = ready;
      return;
    }
    if (!isThenable(ready)) {
      throw new TypeError(
        `Expected \`ready\` to be a boolean or a promise, got ${describe(ready)}`,
      );
    }
    this.#pending = ready;
    this.ready = false;
    Promise.resolve(ready).then(
      () => {
        if (this.#pending === ready) this.ready = true;
      },
      (error: unknown) => {
        if (this.#pending === ready)
          log.core('not ready: the readiness promise rejected: %O', error);
      },
    );
  }
}
