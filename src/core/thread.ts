import { builtin } from './builtin.js';

/**
 * The worker thread this code runs in, or undefined on the main thread. Node delivers no signals
 * to threads, and `process.exit()` there ends the thread only: an instance in a thread listens
 * for its stop on a channel of its own instead, and starts no watchdog.
 */
export function currentThread(): { readonly threadId: number } | undefined {
  const { isMainThread, threadId } = builtin('node:worker_threads');
  return isMainThread ? undefined : { threadId };
}

/** The channel on which `supervise()` tells the instance in thread `threadId` to stop. */
export function threadChannelName(threadId: number): string {
  return `shutdown-hooks.thread.v0.${threadId}`;
}

/** What `supervise()` posts on a thread's channel. */
export interface ThreadStop {
  readonly shutdownHooks: 'stop';
  readonly reason: string;
}

export function isThreadStop(value: unknown): value is ThreadStop {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as ThreadStop).shutdownHooks === 'stop' &&
    typeof (value as ThreadStop).reason === 'string'
  );
}
