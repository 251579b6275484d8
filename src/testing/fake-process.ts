import { EventEmitter } from 'node:events';
import { signalNumber } from '../core/signals.js';
import type { ProcessLike } from '../core/types.js';
import { validateOptions } from '../core/validate.js';

/** A stand-in for `process` that an instance can listen on without touching the real one. */
export interface FakeProcess extends ProcessLike {
  readonly pid: number;
  /** Delivers an event synchronously, e.g. `fake.emit('SIGTERM')` or `fake.emit('uncaughtException', err)`. */
  emit(event: string, ...args: unknown[]): boolean;
  /** Like `process.kill(pid, signal)` on itself: delivers the signal synchronously. */
  kill(pid: number, signal?: string): true;
  listenerCount(event: string): number;
  /** Every event name that has at least one listener. */
  eventNames(): (string | symbol)[];
  /** Captures what the instance prints (a crash report); read it through `output`. */
  readonly stderr: { write(chunk: string): true; readonly output: string };
  /** Read by the instance as the exit code asked for when the event loop empties. */
  exitCode: number | undefined;
}

/**
 * Creates a fake process for tests. Pass it as `createShutdown({ process })`, then `emit` signals.
 *
 * @example
 * const fake = createFakeProcess();
 * const sd = createShutdown({ process: fake, exit: false });
 * fake.emit('SIGTERM');
 */
export function createFakeProcess(options: { pid?: number } = {}): FakeProcess {
  validateOptions(options, 'options', ['pid']);
  const emitter = new EventEmitter();
  let output = '';
  const fake = {
    pid: options.pid ?? 4242,
    exitCode: undefined as number | undefined,
    on(event: string, listener: (...args: unknown[]) => void) {
      emitter.on(event, listener);
      return fake;
    },
    off(event: string, listener: (...args: unknown[]) => void) {
      emitter.off(event, listener);
      return fake;
    },
    emit: (event: string, ...args: unknown[]) => emitter.emit(event, ...args),
    kill(pid: number, signal = 'SIGTERM'): true {
      if (pid !== fake.pid) throw Object.assign(new Error(`kill ESRCH ${pid}`), { code: 'ESRCH' });
      if (signalNumber(signal) === 0) throw new TypeError(`Unknown signal: ${signal}`);
      emitter.emit(signal, signal);
      return true;
    },
    listenerCount: (event: string) => emitter.listenerCount(event),
    eventNames: () => emitter.eventNames(),
    stderr: {
      write(chunk: string): true {
        output += chunk;
        return true;
      },
      get output() {
        return output;
      },
    },
  };
  return fake;
}
