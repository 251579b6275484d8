import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from './options.js';
import {
  type ContainerFacts,
  type End,
  type FirstProcess,
  type Service,
  ServiceError,
  Tail,
} from './service.js';

export type Engine = 'docker' | 'podman';

/** Where the report file is mounted in the container. */
export const REPORT_MOUNT = '/shutdown-hooks-rehearse';

/**
 * The service as a container of an image, run by a real engine the way the kubelet runs it:
 * host networking, no TTY, the image's own ENTRYPOINT and CMD (`args` replace CMD, as Kubernetes
 * `args` do), stopped with `<engine> stop` (the image's STOPSIGNAL, then SIGKILL at the grace
 * period). Not `run --rm`: the exit code and OOMKilled are read after the stop, then the
 * container is removed by id.
 */
export class ContainerService implements Service {
  readonly label: string;
  readonly exited: Promise<End>;
  readonly output = new Tail(20);
  readonly #engine: Engine;
  readonly #image: string;
  readonly #id: string;
  /** The platform's stop signal, sent with `kill`; undefined: the engine's `stop`. */
  readonly #signal: NodeJS.Signals | undefined;
  readonly #watchers: ChildProcess[] = [];
  #killAt = Number.POSITIVE_INFINITY;
  #pid1: string | null = null;
  #init = false;
  #removed = false;

  /** Follows a container that has started: its output, and its end. */
  private constructor(engine: Engine, image: string, id: string, signal?: NodeJS.Signals) {
    this.#engine = engine;
    this.#signal = signal;
    this.#image = image;
    this.#id = id;
    this.label = `a container of ${image} (${engine}, id ${id.slice(0, 12)})`;
    const logs = spawn(engine, ['logs', '--follow', id], { stdio: ['ignore', 'pipe', 'pipe'] });
    logs.stdout.on('data', (chunk: Buffer) => this.output.add(chunk));
    logs.stderr.on('data', (chunk: Buffer) => this.output.add(chunk));
    const logged = new Promise((resolve) => logs.on('close', resolve));
    // Not before the start: `wait` on a container that was only created returns at once.
    const wait = spawn(engine, ['wait', id], { stdio: ['ignore', 'pipe', 'ignore'] });
    let printed = '';
    wait.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    // Its last lines are in once `logs --follow` ends with it.
    this.exited = new Promise<End>((resolve) => {
      wait.on('close', () => {
        const code = Number.parseInt(printed.trim(), 10);
        resolve({ code: Number.isNaN(code) ? null : code, signal: null });
      });
    }).then(async (end) => {
      await Promise.race([logged, sleep(1000)]);
      return end;
    });
    this.#watchers.push(logs, wait);
  }

  /**
   * Finds the engine, checks the image is here (pulling it only when asked), and starts the
   * container. Bad usage (no engine, no image, a remote engine) is a `UsageError`; a container
   * that cannot start is a `ServiceError`.
   */
  static async start(
    options: {
      readonly engine: Engine | undefined;
      readonly image: string;
      readonly pull: boolean;
      readonly args: readonly string[];
      readonly signal: NodeJS.Signals | undefined;
    },
    env: Record<string, string>,
    reportDir: string,
    adopt: (remove: () => void) => void,
  ): Promise<ContainerService> {
    const engine = options.engine ?? findEngine();
    const remote = remoteHost(engine);
    if (remote) {
      throw new UsageError(
        `${engine} runs on ${remote}: the rehearsal needs a local engine, since the service listens on the host network and its report comes through a bind mount`,
      );
    }
    await ensureImage(engine, options.image, options.pull);
    const id = (
      await run(engine, [
        'create',
        '--network',
        'host',
        '--label',
        'shutdown-hooks.rehearse=1',
        '--volume',
        `${reportDir}:${REPORT_MOUNT}`,
        ...Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
        options.image,
        ...options.args,
      ]).catch((error: Error) => {
        throw new ServiceError(
          `${engine} could not create a container of ${options.image}: ${error.message}`,
        );
      })
    ).trim();
    adopt(() => remove(engine, id));
    try {
      await run(engine, ['start', id]);
    } catch (error) {
      remove(engine, id);
      throw new ServiceError(
        `the container of ${options.image} did not start: ${(error as Error).message}`,
      );
    }
    const service = new ContainerService(engine, options.image, id, options.signal);
    adopt(() => service.remove());
    return service;
  }

  async firstPid(): Promise<number | undefined> {
    const pid = Number(
      (await run(this.#engine, ['inspect', '--format', '{{.State.Pid}}', this.#id])).trim(),
    );
    return pid > 0 ? pid : undefined;
  }

  /** What PID 1 was, once read, for the container's facts. */
  noteFirstProcess(first: FirstProcess): void {
    this.#pid1 = first.args;
    this.#init = first.init;
  }

  async exec(command: readonly string[]): Promise<void> {
    await run(this.#engine, ['exec', this.#id, ...command]).catch(() => {});
  }

  terminate(_signal: NodeJS.Signals, graceMs: number): string {
    if (this.#signal) {
      // A platform's signal, whatever the image's STOPSIGNAL says; SIGKILL at the grace period.
      this.#killAt = Date.now() + graceMs;
      void run(this.#engine, ['kill', '--signal', this.#signal, this.#id]).catch(() => {});
      const timer = setTimeout(() => {
        void run(this.#engine, ['kill', this.#id]).catch(() => {});
      }, graceMs);
      timer.unref();
      return `${this.#engine} kill --signal ${this.#signal}, then SIGKILL at ${graceMs} ms`;
    }
    // `stop -t` takes whole seconds: round down, so the kill never comes after the grace period.
    const seconds = Math.max(0, Math.floor(graceMs / 1000));
    this.#killAt = Date.now() + seconds * 1000;
    void run(this.#engine, ['stop', '--time', String(seconds), this.#id]).catch(() => {});
    return `${this.#engine} stop --time ${seconds} (the image's stop signal, then SIGKILL)`;
  }

  killed(end: End): boolean {
    // The engine's SIGKILL at the end of `stop --time` shows as 137, the exit of a process
    // killed by SIGKILL; it comes no earlier than that moment.
    return end.code === 137 && Date.now() >= this.#killAt - 250;
  }

  sweep(): boolean {
    return false;
  }

  async facts(end: End): Promise<ContainerFacts> {
    const oom = await run(this.#engine, [
      'inspect',
      '--format',
      '{{.State.OOMKilled}}',
      this.#id,
    ]).catch(() => 'false');
    return {
      engine: this.#engine,
      image: this.#image,
      pid1: this.#pid1,
      init: this.#init,
      exitCode: end.code,
      oomKilled: oom.trim() === 'true',
    };
  }

  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    for (const watcher of this.#watchers) watcher.kill();
    remove(this.#engine, this.#id);
  }
}

function remove(engine: Engine, id: string): void {
  try {
    execFileSync(engine, ['rm', '--force', id], { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
}

/** docker when it is on PATH, else podman; a `UsageError` when neither is. */
function findEngine(): Engine {
  for (const engine of ['docker', 'podman'] as const) {
    if (onPath(engine)) return engine;
  }
  throw new UsageError('no container engine found: neither docker nor podman is on PATH');
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The engine's own setting for a remote host (DOCKER_HOST, CONTAINER_HOST), if it is one. */
function remoteHost(engine: Engine): string | undefined {
  const host = engine === 'docker' ? process.env.DOCKER_HOST : process.env.CONTAINER_HOST;
  return host && /^(tcp|ssh|https?):/.test(host) ? host : undefined;
}

async function ensureImage(engine: Engine, image: string, pull: boolean): Promise<void> {
  try {
    await run(engine, ['image', 'inspect', '--format', '{{.Id}}', image]);
    return;
  } catch (error) {
    const message = (error as Error).message;
    if (!/no such image|image not known|not found/i.test(message)) {
      throw new UsageError(`${engine} could not be asked about ${image}: ${message}`);
    }
  }
  if (!pull) {
    throw new UsageError(
      `the image ${image} is not here (${engine} image inspect found nothing), and it is not pulled without --pull`,
    );
  }
  await run(engine, ['pull', image]).catch((error: Error) => {
    throw new UsageError(`${engine} could not pull ${image}: ${error.message}`);
  });
}

/** Runs the engine's CLI; resolves with its stdout, rejects with the first line of its stderr. */
function run(engine: Engine, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The engine's own settings (DOCKER_HOST and the like) come from this process's environment.
    execFile(engine, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) resolve(stdout);
      else reject(new Error(stderr.trim().split('\n')[0] || error.message));
    });
  });
}
