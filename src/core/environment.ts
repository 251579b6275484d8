/** Environment variables by name, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The process's environment as far as the runtime lets it be read. Deno without `--allow-env`
 * refuses each variable with an error (`NotCapable`), and `--allow-env=A,B` refuses the others:
 * a refused variable reads as unset, so the library runs on its defaults there. Every read of the
 * environment in the library goes through here.
 */
export const environment: Env = new Proxy(Object.freeze({}) as Env, {
  get(_target, name) {
    if (typeof name !== 'string') return undefined;
    try {
      return globalThis.process?.env?.[name];
    } catch {
      return undefined;
    }
  },
});
