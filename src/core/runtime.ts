/** The JavaScript runtime this process runs on. */
export type Runtime = 'node' | 'bun' | 'deno';

/** Bun and Deno announce themselves in `process.versions`, as Node's compatibility layer shows it. */
export function runtimeOf(versions: Readonly<Record<string, string | undefined>>): Runtime {
  if (versions.bun) return 'bun';
  if (versions.deno) return 'deno';
  return 'node';
}

export const RUNTIME: Runtime = runtimeOf(globalThis.process?.versions ?? {});

/**
 * What the library does on Node that this runtime does not let it do, with the alternative; the
 * docs (docs/runtimes.md) hold the same list.
 */
export const RUNTIME_LIMITS: Readonly<
  Record<
    Exclude<Runtime, 'node'>,
    { readonly pid1Kill: string; readonly openHandles?: string; readonly clusterThread?: string }
  >
> = Object.freeze({
  bun: {
    pid1Kill:
      'as PID 1 on Bun, the watchdog cannot end a blocked event loop (the kernel ignores the SIGKILL a PID 1 sends itself, and Bun has no inspector session to interrupt the main thread): run the container with an init (`docker run --init`, tini) so the service is not PID 1',
    openHandles:
      'Bun does not list what holds the process open (process.getActiveResourcesInfo() is empty): the report has no activeResources',
  },
  deno: {
    pid1Kill:
      'as PID 1 on Deno, the watchdog cannot end a blocked event loop (the kernel ignores the SIGKILL a PID 1 sends itself, and Deno cannot open an inspector session on the main thread): run the container with an init (`docker run --init`, tini) so the service is not PID 1',
    clusterThread:
      'no watchdog in a node:cluster worker on Deno: a worker thread started there ends the process (Deno sets up its cluster channel in the thread too); a blocked event loop is ended by the primary or by the platform',
  },
});
