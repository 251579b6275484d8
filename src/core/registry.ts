import { Priority } from './priority.js';
import type { Hook, HookOptions } from './types.js';
import {
  describe,
  optionKeys,
  validateMs,
  validateName,
  validateNumber,
  validateOptions,
} from './validate.js';

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

  /** Throws the `TypeError` of `checkOwnDelay` if a new global `timeout` leaves a hook no time. */
  checkDelays(timeout: number): void {
    for (const entry of this.#entries) checkOwnDelay(entry.name, entry.traits, timeout);
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

const HOOK_OPTION_KEYS = optionKeys<HookOptions>({ priority: true, timeout: true });

/**
 * Validates what `onShutdown()` received and makes its entry: the hook (or the hook that disposes
 * a resource), its priority, timeout and traits. `timeout` is the instance's global one.
 */
export function createEntry(
  name: unknown,
  hookOrResource: unknown,
  options: unknown,
  timeout: number,
): HookEntry {
  validateName(name, 'name');
  const hook = hookOf(hookOrResource);
  const o = validateOptions<HookOptions>(options, 'options', HOOK_OPTION_KEYS);
  const priority =
    o.priority === undefined ? Priority.DEFAULT : validateNumber(o.priority, 'priority');
  const own = o.timeout === undefined ? undefined : validateMs(o.timeout, 'timeout');
  const traits = (o as { [HOOK_TRAITS]?: HookTraits })[HOOK_TRAITS];
  checkOwnDelay(name as string, traits, timeout);
  return Object.freeze({ name: name as string, hook, priority, timeout: own, traits });
}

/** A hook's own delay (a drain's) must leave it time inside the global budget, as the instance's must. */
export function checkOwnDelay(name: string, traits: HookTraits | undefined, timeout: number): void {
  const delay = traits?.delay;
  if (delay === undefined || delay < timeout) return;
  throw new TypeError(
    `Expected \`delay\` (${delay}) of "${name}" to be less than the instance's \`timeout\` (${timeout}): the delay is part of the global budget, so "${name}" would never run. Raise \`timeout\` with configureShutdown().`,
  );
}

/** A hook as given, or the hook that disposes a resource. */
function hookOf(value: unknown): Hook {
  if (typeof value === 'function') return value as Hook;
  const resource = value as Partial<AsyncDisposable & Disposable> | null | undefined;
  const asyncDispose = resource?.[Symbol.asyncDispose];
  if (typeof asyncDispose === 'function') return () => Promise.resolve(asyncDispose.call(value));
  const dispose = resource?.[Symbol.dispose];
  if (typeof dispose === 'function') return () => void dispose.call(value);
  throw new TypeError(
    `Expected \`hook\` to be a function, an AsyncDisposable or a Disposable, got ${describe(value)}`,
  );
}
