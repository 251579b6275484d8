import { type ChildProcess, spawn } from 'node:child_process';
import { type End, type Service, Tail } from './service.js';

/**
 * The service as a command, in a process group of its own, so that everything it started can be
 * ended with it, as a container's processes are.
 */
export class CommandService implements Service {
  readonly label: string;
  readonly exited: Promise<End>;
  readonly output = new Tail(20);
  readonly #child: ChildProcess;
  #kill: ReturnType<typeof setTimeout> | undefined;

  constructor(command: readonly string[], env: Record<string, string>) {
    const [file, ...args] = command;
    this.#child = spawn(file!, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child.stdout!.on('data', (chunk: Buffer) => this.output.add(chunk));
    this.#child.stderr!.on('data', (chunk: Buffer) => this.output.add(chunk));
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => resolve({ code, signal }));
      // A command that cannot be started at all (not found, not executable).
      this.#child.on('error', () => resolve({ code: 127, signal: null }));
    });
    this.label = `${command.join(' ')} (pid ${this.#child.pid}, PORT=${env.PORT})`;
  }

  #running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  firstPid(): Promise<number | undefined> {
    return Promise.resolve(this.#child.pid);
  }

  exec(): Promise<void> {
    return Promise.reject(new Error('a command has no container to exec in'));
  }

  terminate(signal: NodeJS.Signals, graceMs: number): string {
    this.#kill = setTimeout(() => this.#killGroup('SIGKILL'), graceMs);
    // process.kill(), not ChildProcess#kill(): Deno reports a child signalled through the latter
    // as ended by the signal, whatever its exit code.
    try {
      if (this.#child.pid !== undefined) process.kill(this.#child.pid, signal);
    } catch {}
    return `${signal} sent to pid ${this.#child.pid}`;
  }

  killed(end: End): boolean {
    return end.signal === 'SIGKILL';
  }

  sweep(): boolean {
    clearTimeout(this.#kill);
    return this.#killGroup('SIGKILL');
  }

  facts(): Promise<null> {
    return Promise.resolve(null);
  }

  remove(): void {
    clearTimeout(this.#kill);
    this.#killGroup('SIGKILL');
  }

  /** Sends `signal` to the whole process group; true if anything besides the leader was alive. */
  #killGroup(signal: NodeJS.Signals): boolean {
    if (this.#child.pid === undefined) return false;
    const leaderAlive = this.#running();
    try {
      process.kill(-this.#child.pid, signal);
      return !leaderAlive;
    } catch {
      return false;
    }
  }
}
