import { setMaxListeners } from 'node:events';
import type { HookContext, ShutdownReason } from './types.js';

/**
 * What a hook receives. Its AbortController is made only if the hook reads `signal`: many cleanup
 * hooks never do, and one controller per hook was the largest cost of a shutdown with many hooks.
 */
export class Context implements HookContext {
  readonly reason: ShutdownReason;
  readonly deadline: number;
  #controller: AbortController | undefined;
  #aborted: Error | undefined;

  constructor(reason: ShutdownReason, deadline: number) {
    this.reason = reason;
    this.deadline = deadline;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // Hooks may hand the signal to many operations at once; that is not a leak.
      setMaxListeners(0, this.#controller.signal);
      if (this.#aborted) this.#controller.abort(this.#aborted);
    }
    return this.#controller.signal;
  }

  timeLeft(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  abort(reason: Error): void {
    this.#aborted = reason;
    this.#controller?.abort(reason);
  }
}
