import type { Worker as WorkerType } from 'node:worker_threads';
import { builtin } from './builtin.js';
import { log } from './debug.js';
import { RUNTIME, RUNTIME_LIMITS } from './runtime.js';

// node:worker_threads is loaded when listeners are installed (preloadWatchdog), so neither a
// bare import nor the start of a shutdown pays for it.
let workerThreads: typeof import('node:worker_threads') | undefined;

/** Loads what the watchdog needs ahead of time, so starting it costs the thread alone. */
export function preloadWatchdog(): void {
  workerThreads ??= builtin('node:worker_threads');
}

/**
 * How long after the global deadline the watchdog waits for the main thread to end the process
 * itself. Normally the main thread's own timer fires at the deadline and exits with code 1; the
 * watchdog only acts when the event loop is blocked and that timer cannot run.
 */
export const WATCHDOG_GRACE_MS = 1000;

// Runs on its own thread and blocks in Atomics.wait, so it needs nothing from the main event loop.
// If it is not released in time it ends the whole process. From a worker thread, SIGKILL is the
// one way to end a process whose main thread never returns to its event loop, except for PID 1 of
// a PID namespace (a container without an init): the kernel ignores a SIGKILL that PID 1 sends to
// itself. There the inspector is used instead: a session on the main thread interrupts the
// JavaScript running there and exits with the same 137. (Node then prints "Waiting for the
// debugger to disconnect...".) A main thread blocked in native code cannot be interrupted.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
if (Atomics.wait(flag, 0, 0, workerData.ms) === 'timed-out') {
  if (workerData.verbose) {
    require('node:fs').writeSync(2, 'shutdown-hooks:watchdog the event loop stayed blocked ' + workerData.grace +
      ' ms past the global deadline (timeout ' + workerData.timeout + ' ms); killing the process\\n');
    // Said from here too: the main thread's stderr may not get it out while its loop is blocked.
    if (workerData.pid === 1 && workerData.limit) {
      require('node:fs').writeSync(2, 'shutdown-hooks:watchdog ' + workerData.limit + '\\n');
    }
  }
  if (workerData.pid === 1) {
    try {
      const session = new (require('node:inspector').Session)();
      session.connectToMainThread();
      session.post('Runtime.evaluate', { expression: 'process.reallyExit(137)' });
    } catch {}
  }
  process.kill(workerData.pid, 'SIGKILL');
}
`;

export interface Watchdog {
  /** Releases the watchdog; the process is left alone. */
  stop(): void;
}

/**
 * Starts a thread that kills the process `grace` ms after `deadline` (epoch ms) unless stopped.
 * `timeout` is the global timeout, for the diagnostic line.
 */
export function startWatchdog(
  deadline: number,
  timeout: number,
  pid: number,
  grace = WATCHDOG_GRACE_MS,
): Watchdog {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const ms = Math.max(1, deadline + grace - Date.now());
  if (RUNTIME === 'deno' && builtin('node:cluster').isWorker) {
    log.watchdog('%s', RUNTIME_LIMITS.deno.clusterThread);
    return { stop() {} };
  }
  let worker: WorkerType | undefined;
  try {
    preloadWatchdog();
    const { Worker, SHARE_ENV } = workerThreads!;
    worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: {
        flag: flag.buffer,
        ms,
        grace,
        timeout,
        pid,
        verbose: log.watchdog.enabled,
        limit: RUNTIME === 'node' ? undefined : RUNTIME_LIMITS[RUNTIME].pid1Kill,
      },
      // Half the cost of starting the thread is wiring its stdio into the parent's streams and
      // copying the environment; it needs neither (it writes to fd 2 directly).
      stdout: true,
      stderr: true,
      env: SHARE_ENV as typeof import('node:worker_threads').SHARE_ENV,
      execArgv: [],
      trackUnmanagedFds: false,
    });
    worker.unref();
    worker.on('error', (error) => log.watchdog('watchdog thread failed: %O', error));
    log.watchdog('armed for %d ms', ms);
    if (pid === 1 && RUNTIME !== 'node') log.watchdog('%s', RUNTIME_LIMITS[RUNTIME].pid1Kill);
  } catch (error) {
    // Without threads (a locked-down runtime) the main-thread deadline still holds for every
    // hook that yields to the event loop; only a blocked loop goes unguarded.
    log.watchdog('could not start the watchdog thread: %O', error);
  }
  return {
    stop() {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      log.watchdog('released');
    },
  };
}
