import { readFileSync } from 'node:fs';

/** How the service ended. */
export interface End {
  readonly code: number | null;
  readonly signal: string | null;
}

export function describeExit(end: End): string {
  return end.signal ? `signal ${end.signal}` : `code ${end.code}`;
}

/** The service failed before termination (exited, never ready): exit status 1 with this reason. */
export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** What a container adds to the result (the `container` field of `--json`). */
export interface ContainerFacts {
  readonly engine: 'docker' | 'podman';
  readonly image: string;
  /** The command line of PID 1 in the container, read once the service was ready. */
  readonly pid1: string | null;
  /** PID 1 is an init (tini, dumb-init, catatonit, docker-init). */
  readonly init: boolean;
  readonly exitCode: number | null;
  readonly oomKilled: boolean;
}

/**
 * What runs the service: a command in its own process group, or a container of an image. The
 * rehearsal drives either the same way; only starting, stopping and cleaning up differ.
 */
export interface Service {
  /** Says what runs, for the progress line and the timeline. */
  readonly label: string;
  /** Resolves when the service has ended. */
  readonly exited: Promise<End>;
  /** Its last lines of output, for error messages. */
  readonly output: Tail;
  /** The host pid of its first process (PID 1 of a container), once it runs. */
  firstPid(): Promise<number | undefined>;
  /** Runs a preStop `exec:` command beside it (containers only). */
  exec(command: readonly string[]): Promise<void>;
  /**
   * Begins termination with `graceMs` left before SIGKILL: the signal to a command (and SIGKILL
   * at the end), the engine's stop to a container. Returns what the timeline says.
   */
  terminate(signal: NodeJS.Signals, graceMs: number): string;
  /** Whether it was killed at the end of the grace period. */
  killed(end: End): boolean;
  /** Ends whatever it left running; true if anything was. */
  sweep(): boolean;
  /** The container's facts, once it ended (null for a command). */
  facts(end: End): Promise<ContainerFacts | null>;
  /** Removes everything it made, whatever happened. Synchronous, so a Ctrl-C can call it. */
  remove(): void;
}

/** The last few lines a service printed, for error messages. */
export class Tail {
  readonly #lines: string[] = [];
  readonly #size: number;
  #partial = '';

  constructor(size: number) {
    this.#size = size;
  }

  add(chunk: Buffer): void {
    const lines = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    this.#lines.push(...lines);
    this.#lines.splice(0, Math.max(0, this.#lines.length - this.#size));
  }

  /** `; it printed: …` with its last lines, or nothing. */
  suffix(): string {
    const lines = [...this.#lines, this.#partial].filter((l) => l.trim() !== '').slice(-5);
    return lines.length === 0 ? '' : `; it printed:\n  ${lines.join('\n  ')}`;
  }
}

/** The first process of the service, as Linux shows it. */
export interface FirstProcess {
  readonly pid: number;
  /** Its command line, with the padding of a process title (npm sets one) trimmed. */
  readonly args: string;
  /** tini, dumb-init, catatonit or docker-init. */
  readonly init: boolean;
  /** A shell or package manager that runs the service as its child: the signal stops at it. */
  readonly wrapper: Wrapper | undefined;
}

export interface Wrapper {
  readonly kind: 'shell' | 'package manager';
  readonly name: string;
  readonly pid: number;
  readonly children: readonly string[];
}

const SHELLS = new Set(['sh', 'dash', 'bash', 'ash', 'zsh', 'ksh', 'busybox']);
const PACKAGE_MANAGERS = /^(npm|npx|yarn|pnpm)\b/;
const INITS = new Set(['tini', 'dumb-init', 'catatonit', 'docker-init']);

/**
 * Reads the first process from `/proc` (Linux; undefined elsewhere). A shell or package manager
 * counts as a wrapper only with children: bash replaces itself with a lone command, leaving
 * none; dash forks; npm always forks. A node process with children (a cluster primary, a
 * supervisor) is the service itself. Behind an init, its child is looked at the same way.
 */
export function firstProcessOf(pid: number): FirstProcess | undefined {
  const first = read(pid);
  if (!first) return undefined;
  const init = INITS.has(first.name);
  const behind = init && first.children.length === 1 ? read(Number(first.children[0])) : first;
  return { pid, args: first.args, init, wrapper: behind && wrapperOf(behind) };
}

interface ProcInfo {
  readonly pid: number;
  readonly name: string;
  readonly args: string;
  readonly children: readonly string[];
}

function read(pid: number): ProcInfo | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return {
      pid,
      // npm sets its process title: "npm start" is both its name and its command line.
      name: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
      args: argv.join(' ').trim(),
      children: children ? children.split(' ') : [],
    };
  } catch {
    return undefined;
  }
}

function wrapperOf(p: ProcInfo): Wrapper | undefined {
  if (p.children.length === 0) return undefined;
  const script = p.args.split(' ').find((arg) => /(npm|npx|yarn|pnpm)(-cli)?(\.c?js)?$/.test(arg));
  const manager =
    PACKAGE_MANAGERS.exec(p.name) ?? PACKAGE_MANAGERS.exec(script?.split('/').pop() ?? '');
  const kind = manager ? 'package manager' : SHELLS.has(p.name) ? 'shell' : undefined;
  if (!kind) return undefined;
  return { kind, name: manager?.[1] ?? p.name, pid: p.pid, children: p.children };
}
