/**
 * Supervising child processes, cluster workers and worker threads.
 *
 * @module shutdown-hooks/process
 */
import { ChildProcess } from 'node:child_process';
import type { Worker as ClusterWorker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { builtin } from '../core/builtin.js';
import { shutdownOption } from '../core/default.js';
import { Priority } from '../core/priority.js';
import { HOOK_TRAITS, type HookTraits } from '../core/registry.js';
import type { Shutdown } from '../core/shutdown.js';
import { signalNumber, validateSignals } from '../core/signals.js';
import { type ThreadStop, threadChannelName } from '../core/thread.js';
import type { HookContext } from '../core/types.js';
import {
  describe,
  optionKeys,
  validateMs,
  validateName,
  validateNumber,
  validateOptions,
} from '../core/validate.js';

export interface SuperviseOptions {
  /**
   * Name of the hook in the report.
   * @default 'child <pid>', 'cluster worker <id>' or 'thread <threadId>'
   */
  readonly name?: string;
  /**
   * Priority of the hook. Targets with the same priority stop concurrently.
   * @default Priority.WORKER (200)
   */
  readonly priority?: number;
  /**
   * Ms to wait for the target to end; then it is killed (SIGKILL, or `terminate()` for a thread)
   * and the hook is reported `timeout`.
   * @default the instance's `hookTimeout`, else 75 % of what is left of the global `timeout`
   * when hooks of lower priority follow, else all of it
   */
  readonly timeout?: number;
  /**
   * The signal forwarded to a child or cluster worker.
   * @default the signal that started the shutdown, else SIGTERM
   */
  readonly signal?: NodeJS.Signals;
  /**
   * The instance to register on.
   * @default the process-wide instance
   */
  readonly shutdown?: Shutdown;
}

const SUPERVISE_OPTION_KEYS = optionKeys<SuperviseOptions>({
  name: true,
  priority: true,
  timeout: true,
  signal: true,
  shutdown: true,
});

/** A child process, a `cluster` worker, or a `worker_threads` worker. */
export type SupervisedTarget = ChildProcess | ClusterWorker | ThreadWorker;

/** How a supervised target ended. */
interface End {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What differs between the kinds of target: how to stop, kill and watch each. */
interface Handle {
  readonly name: string;
  /** True once the target has ended. */
  ended(): boolean;
  /** Resolves when the target ends (at once if it has). */
  readonly end: Promise<End>;
  /** Asks the target to stop; `signal` for processes. Throws when it cannot be signalled. */
  stop(signal: NodeJS.Signals, reason: string): void;
  /** Ends the target now. */
  kill(): void;
  /** Whether the target is in this process's process group (a terminal signals both). */
  readonly sameGroup: boolean;
}

const TRAITS: HookTraits = Object.freeze({
  // As for a drain: one target that never ends must not skip every hook after it.
  share: 0.75,
  timeoutAdvice:
    'It was killed (SIGKILL, or terminate() for a thread): make it end on the forwarded stop, or raise the `timeout`.',
});

/**
 * Registers a hook that stops `target` when the shutdown reaches it: it forwards the stop (the
 * signal that started the shutdown, else SIGTERM, to a child or cluster worker — to the whole
 * process group of a child spawned `detached`; a message to the instance of a worker thread),
 * waits for the target to end, and kills it at the hook's deadline. The hook is `ok` when the
 * target exits 0 or dies of the forwarded signal (or of the one that started this shutdown),
 * `error` for any other end, `timeout` when it had to be killed. A target that ends on its own
 * before the shutdown unregisters its hook. Returns a function that unregisters it.
 *
 * @example
 * const worker = cluster.fork();
 * supervise(worker);
 */
export function supervise(target: SupervisedTarget, options?: SuperviseOptions): () => void {
  const o = validateOptions<SuperviseOptions>(options, 'options', SUPERVISE_OPTION_KEYS);
  const shutdown = shutdownOption(o.shutdown);
  const signal = o.signal === undefined ? undefined : validateSignals([o.signal], 'signal')[0];
  const handle = handleOf(target);
  if (handle.ended()) {
    throw new TypeError(`Expected \`target\` to be running, but ${handle.name} has already exited`);
  }
  const name = o.name === undefined ? handle.name : validateName(o.name, 'name');
  const priority =
    o.priority === undefined ? Priority.WORKER : validateNumber(o.priority, 'priority');
  const timeout = o.timeout === undefined ? undefined : validateMs(o.timeout, 'timeout');

  const hook = async (ctx: HookContext) => {
    if (handle.ended()) return check(await handle.end, undefined, ctx.reason, name);
    const forwarded = signal ?? forwardedSignal(ctx.reason, handle.sameGroup);
    const onDeadline = () => handle.kill();
    ctx.signal.addEventListener('abort', onDeadline, { once: true });
    try {
      handle.stop(forwarded, ctx.reason);
      return check(await handle.end, forwarded, ctx.reason, name);
    } catch (error) {
      // ESRCH: it ended between the check and the signal; its end says how.
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        return check(await handle.end, forwarded, ctx.reason, name);
      }
      throw new Error(`Could not stop ${name}: ${(error as Error).message}`, { cause: error });
    } finally {
      ctx.signal.removeEventListener('abort', onDeadline);
    }
  };
  const unregister = shutdown.onShutdown(name, hook, {
    priority,
    ...(timeout === undefined ? {} : { timeout }),
    [HOOK_TRAITS]: TRAITS,
  } as never);
  void handle.end.then(() => {
    // Ended on its own before the shutdown: nothing left to stop.
    if (!shutdown.isShuttingDown()) unregister();
  });
  return unregister;
}

/**
 * The signal that started the shutdown, else SIGTERM. Ctrl-C in a terminal sends SIGINT to the
 * whole foreground process group at once, so a target in ours has had it already: a second SIGINT
 * would force its exit. It gets SIGTERM instead, which the library treats as the same stop.
 */
function forwardedSignal(reason: string, sameGroup: boolean): NodeJS.Signals {
  if (signalNumber(reason) === 0) return 'SIGTERM';
  if (reason === 'SIGINT' && sameGroup) return 'SIGTERM';
  return reason as NodeJS.Signals;
}

/** Resolves for an end that counts as clean; throws an error saying how the target ended. */
function check(end: End, forwarded: string | undefined, reason: string, name: string): void {
  if (end.code === 0) return;
  if (end.signal !== null && (end.signal === forwarded || end.signal === reason)) return;
  const how = end.signal === null ? `exited with code ${end.code}` : `died of ${end.signal}`;
  throw Object.assign(new Error(`${name} ${how}`), { exitCode: end.code, signal: end.signal });
}

function handleOf(target: unknown): Handle {
  if (target instanceof ChildProcess) return childHandle(target, `child ${target.pid}`);
  const { Worker: Thread } = builtin('node:worker_threads');
  if (target instanceof Thread) return threadHandle(target);
  // `Worker` is on the module at run time, not in its types.
  const cluster = builtin('node:cluster') as unknown as { Worker: new () => ClusterWorker };
  if (target instanceof cluster.Worker) {
    return childHandle(target.process, `cluster worker ${target.id}`);
  }
  throw new TypeError(
    `Expected \`target\` to be a ChildProcess, a cluster Worker or a worker_threads Worker, got ${describe(target)}`,
  );
}

function childHandle(child: ChildProcess, name: string): Handle {
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  const end = ended()
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise<End>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
  // A child spawned `detached` leads a process group of its own: signal the whole group.
  const pgid = child.pid === undefined ? undefined : groupOf(child.pid);
  const group = pgid === child.pid;
  // process.kill() throws ESRCH or EPERM at the call; ChildProcess#kill() would emit an 'error'
  // event instead, fatal when the application has no listener for it.
  const send = (signal: NodeJS.Signals) => {
    if (child.pid !== undefined) process.kill(group ? -child.pid : child.pid, signal);
  };
  return {
    name,
    ended,
    end,
    sameGroup: pgid !== undefined && pgid === groupOf(process.pid),
    stop: (signal) => send(signal),
    kill: () => {
      try {
        send('SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/** Linux: the process group of `pid` (field 5 of /proc/<pid>/stat); undefined elsewhere. */
function groupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

function threadHandle(worker: ThreadWorker): Handle {
  let done = worker.threadId === -1;
  const end = done
    ? Promise.resolve({ code: null, signal: null })
    : new Promise<End>((resolve) =>
        worker.once('exit', (code) => {
          done = true;
          resolve({ code, signal: null });
        }),
      );
  const threadId = worker.threadId;
  return {
    name: `thread ${threadId}`,
    ended: () => done,
    end,
    sameGroup: false,
    stop: (_signal, reason) => {
      const { BroadcastChannel } = builtin('node:worker_threads');
      const channel = new BroadcastChannel(threadChannelName(threadId));
      const stop: ThreadStop = { shutdownHooks: 'stop', reason };
      channel.postMessage(stop);
      channel.close();
    },
    kill: () => void worker.terminate(),
  };
}
