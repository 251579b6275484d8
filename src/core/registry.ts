import type { Hook } from './types.js';

/** One registered hook. Frozen; identity is what unregisters it. */
export interface HookEntry {
  readonly name: string;
  readonly hook: Hook;
  readonly priority: number;
  readonly timeout: number | undefined;
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
