import type { Hook } from './types.js';

/**
 * What this package's own adapters add to a hook they register (a drain, say); not a public
 * option. It travels in the options object under `HOOK_TRAITS`, shared by every copy of the
 * package, so a drain from one copy keeps its traits on the process-wide instance of another.
 */
export interface HookTraits {
  /**
   * When the hook has no timeout of its own (nor `hookTimeout`) and hooks of lower priority
   * follow, it may use at most this fraction of the global time left when it starts; the rest is
   * theirs. Without it, one silent peer of a drain would skip every later hook.
   */
  readonly share?: number;
  /**
   * The hook's synchronous start is short and ours (a drain closing its listener). It is started
   * before the watchdog thread, whose start takes a few milliseconds, so a connection arriving in
   * that time is refused rather than accepted and then reset.
   */
  readonly quickStart?: boolean;
  /**
   * What the timeout message advises, in place of "honour ctx.signal"; a function is asked when
   * the timeout fires, so it can say what was still open then.
   */
  readonly timeoutAdvice?: string | (() => string);
  /**
   * The hook's own delay, in place of the instance's `delay` (never added to it): the hook is
   * called this many ms after the shutdown began. Unlike the instance's delay, it is part of the
   * hook's own `timeout` when that is given; a timeout the hook inherits is counted after it.
   */
  readonly delay?: number;
}

export const HOOK_TRAITS: unique symbol = Symbol.for('shutdown-hooks.traits.v0');

/** One registered hook. Frozen; identity is what unregisters it. */
export interface HookEntry {
  readonly name: string;
  readonly hook: Hook;
  readonly priority: number;
  readonly timeout: number | undefined;
  readonly traits: HookTraits | undefined;
}

/** The hooks of one instance, kept in registration order. */
export class Registry {
  readonly #entries = new Set<HookEntry>();

  get size(): number {
    return this.#entries.size;
  }

  /** Adds the entry and returns a function that removes it (idempotent). */
  add(entry: HookEntry): () => void {
    this.#entries.add(entry);
    return () => {
      this.#entries.delete(entry);
    };
  }

  names(): string[] {
    return Array.from(this.#entries, (entry) => entry.name);
  }

  /**
   * The hooks grouped by priority, highest first, registration order within a group. Taken once
   * when a shutdown begins, so later (un)registrations cannot change a running sequence.
   */
  snapshot(): HookEntry[][] {
    const groups = new Map<number, HookEntry[]>();
    for (const entry of this.#entries) {
      const group = groups.get(entry.priority);
      if (group) group.push(entry);
      else groups.set(entry.priority, [entry]);
    }
    return [...groups.keys()].sort((a, b) => b - a).map((priority) => groups.get(priority)!);
  }
}
