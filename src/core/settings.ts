import {
  DEFAULTS,
  type ResolvedOptions,
  resolveOptions,
  SHUTDOWN_OPTION_KEYS,
  type ShutdownOptions,
} from './options.js';
import { validateOptions } from './validate.js';

/**
 * An instance's options: those given, merged by `configure()`, and resolved on first use, so that
 * creating the default instance at import reads no environment (the platform is found later).
 * Options given to the constructor or to `configure()` are checked at that call.
 */
export class Settings {
  #input: ShutdownOptions;
  #resolved: ResolvedOptions | undefined;

  constructor(options: ShutdownOptions | undefined) {
    if (options !== undefined) this.#resolved = resolveOptions(options);
    this.#input = { ...options };
  }

  get current(): ResolvedOptions {
    this.#resolved ??= resolveOptions(this.#input);
    return this.#resolved;
  }

  /** Whether probes say ready from the start, without resolving the rest. */
  get ready(): boolean {
    return this.#resolved?.ready ?? DEFAULTS.ready;
  }

  /** `options` merged over the current ones and resolved; `apply` makes them current. */
  merge(options: ShutdownOptions): { input: ShutdownOptions; resolved: ResolvedOptions } {
    const input = {
      ...this.#input,
      ...validateOptions<ShutdownOptions>(options, 'options', SHUTDOWN_OPTION_KEYS),
    };
    return { input, resolved: resolveOptions(input) };
  }

  apply({ input, resolved }: { input: ShutdownOptions; resolved: ResolvedOptions }): void {
    this.#input = input;
    this.#resolved = resolved;
  }
}
