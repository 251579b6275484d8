import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPORT_FILE_ENV } from '../core/shutdown.js';
import type { ShutdownReport } from '../core/types.js';
import { Load, type Outcome, outcomeOf } from './load.js';
import { type RehearseOptions, UsageError } from './options.js';

/** The one JSON object of `--json`. */
export interface RehearsalResult {
  readonly verdict: 'pass' | 'fail';
  readonly requests: {
    readonly sent: number;
    readonly ok: number;
    readonly failed: number;
    readonly byKind: Record<string, number>;
  };
  /** How the service ended; `ms` from the start of termination (the preStop, else the signal). */
  readonly exit: { code: number | null; signal: string | null; ms: number; killed: boolean };
  /** Ms from the start of termination to the first non-200 answer of the readiness path. */
  readonly readiness: { flippedMs: number | null };
  readonly report: ShutdownReport | null;
  /** One sentence per reason the verdict is `fail`, and per warning: those the report prints. */
  readonly notes: readonly string[];
}

/** What the readable output adds to the result: when things happened. */
export interface Rehearsal extends RehearsalResult {
  /** Ms from the start of termination; negative for what came before. */
  readonly timeline: readonly { readonly ms: number; readonly what: string }[];
}

/** The service failed before termination (exited, never ready): exit status 1 with this reason. */
export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** Something to say while it runs (the progress line). */
export type Progress = (line: string) => void;

/**
 * Runs one rehearsal: start the service, wait for readiness, load it, terminate it as Kubernetes
 * does (preStop, signal, endpoint lag, SIGKILL at the grace period), and collect what happened.
 * The service's process group is always killed before this returns.
 */
export async function rehearse(
  options: RehearseOptions,
  progress: Progress = () => {},
): Promise<Rehearsal> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-rehearse-'));
  const reportFile = join(dir, 'report.json');
  const base = `http://127.0.0.1:${port}`;
  const loadUrl = new URL(options.url.replaceAll('$PORT', String(port)));
  const [command, ...args] = options.command;
  const child = spawn(command!, args, {
    env: { ...process.env, PORT: String(port), [REPORT_FILE_ENV]: reportFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that everything it started can be killed at the end.
    detached: true,
  });
  const output = new Tail(20);
  child.stdout!.on('data', (chunk: Buffer) => output.add(chunk));
  child.stderr!.on('data', (chunk: Buffer) => output.add(chunk));
  const exited = exitOf(child);
  const started = Date.now();
  try {
    progress(`started ${options.command.join(' ')} (pid ${child.pid}, PORT=${port})`);
    await waitUntilReady(`${base}${options.ready}`, options.readyTimeout, exited, output);
    const readyAt = Date.now();
    await checkLoadUrl(loadUrl, options.readyTimeout);
    const notes: string[] = [];
    const wrapper = wrapperOf(child.pid!);

    // Load until the end of the lag, then stop sending and let what was sent finish.
    const load = new Load(loadUrl, {
      connections: options.connections,
      timeout: options.grace + 1000,
      now: () => Date.now(),
    });
    load.start(options.rate);
    progress(
      `ready after ${readyAt - started} ms; load of ${options.rate} requests/s for ${options.warmup} ms`,
    );
    await Promise.race([sleep(options.warmup), exited]);
    if (child.exitCode !== null || child.signalCode !== null) {
      load.stop();
      load.abandon();
      const end = await exited;
      throw new ServiceError(
        `the service exited (${describeExit(end)}) during the warmup, before termination began${output.suffix()}`,
      );
    }

    const t0 = Date.now();
    const timeline: { ms: number; what: string }[] = [
      { ms: started - t0, what: 'service started' },
      { ms: readyAt - t0, what: `ready (${options.ready} answered 200)` },
    ];
    const at = (what: string) => timeline.push({ ms: Date.now() - t0, what });
    const readiness = watchReadiness(`${base}${options.ready}`, exited);
    const lagOver = sleep(options.lag).then(() => {
      load.stop();
      at(`lag over: the endpoint stops routing to the service (${options.lag} ms)`);
    });
    const kill = setTimeout(() => {
      at(`grace period over: SIGKILL (${options.grace} ms)`);
      killGroup(child, 'SIGKILL');
    }, options.grace);
    if (options.preStop) {
      at(
        `preStop ${options.preStop.kind === 'sleep' ? `sleep ${options.preStop.ms} ms` : `GET ${options.preStop.path}`}`,
      );
      progress('preStop running');
      await runPreStop(options.preStop, base, exited);
    }
    const signalled = Date.now();
    if (child.exitCode === null && child.signalCode === null) {
      at(`${options.signal} sent to pid ${child.pid}`);
      progress(
        `${options.signal} sent; the endpoint still routes for ${Math.max(0, options.lag - (signalled - t0))} ms`,
      );
      child.kill(options.signal);
    }
    const end = await exited;
    const exitMs = Date.now() - t0;
    clearTimeout(kill);
    timeline.push({ ms: exitMs, what: `exited (${describeExit(end)})` });
    progress(`exited (${describeExit(end)}) after ${exitMs} ms; finishing the load`);
    const flipped = await readiness.stop();
    if (flipped !== undefined)
      timeline.push({ ms: flipped - t0, what: `${options.ready} answered 503` });
    // Whatever else the command started dies with it now, as with a container's processes.
    const strays = killGroup(child, 'SIGKILL');
    await lagOver;
    await Promise.race([load.settled(), sleep(2000)]);
    load.abandon();
    const result = load.result();
    if (result.lastOkAt !== undefined) {
      timeline.push({ ms: result.lastOkAt - t0, what: 'last request answered ok' });
    }
    timeline.sort((a, b) => a.ms - b.ms);

    const killed = end.signal === 'SIGKILL';
    const failed = result.sent - result.byKind.ok;
    const report = readReport(reportFile);
    explain(notes, {
      options,
      wrapper,
      end,
      killed,
      failed,
      byKind: result.byKind,
      strays,
      exitMs,
      report,
      signalledMs: signalled - t0,
    });
    return {
      verdict: failed === 0 && !killed && !strays && exitMs <= options.grace ? 'pass' : 'fail',
      requests: { sent: result.sent, ok: result.byKind.ok, failed, byKind: { ...result.byKind } },
      exit: { code: end.code, signal: end.signal, ms: exitMs, killed },
      readiness: { flippedMs: flipped === undefined ? null : flipped - t0 },
      report,
      timeline,
      notes,
    };
  } finally {
    killGroup(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

interface End {
  readonly code: number | null;
  readonly signal: string | null;
}

function exitOf(child: ChildProcess): Promise<End> {
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    // A command that cannot be started at all (not found, not executable).
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
}

function describeExit(end: End): string {
  return end.signal ? `signal ${end.signal}` : `code ${end.code}`;
}

/** Sends `signal` to the command's whole process group; true if anything besides it was alive. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  const leaderAlive = child.exitCode === null && child.signalCode === null;
  try {
    process.kill(-child.pid, signal);
    return !leaderAlive;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One GET with a fresh connection; the status, or undefined when there was no answer. */
function probe(url: string, timeout = 1000): Promise<number | undefined> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    const req = client.get(url, { agent: false, timeout, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * The load URL must answer 2xx or 3xx before termination: a rehearsal of 404s (the default `/`
 * of most APIs) would pass while proving nothing.
 */
async function checkLoadUrl(url: URL, timeout: number): Promise<void> {
  const status = await probe(url.href, timeout);
  if (status !== undefined && outcomeOf(status) === 'ok') return;
  const answered =
    status === undefined ? `did not answer within ${timeout} ms` : `answered ${status}`;
  throw new UsageError(
    `the load URL ${url.href} ${answered} before termination, not 2xx or 3xx: pass --url with a path of the service that answers 2xx (a path alone, such as --url /health, is taken on the service's port)`,
  );
}

async function waitUntilReady(
  url: string,
  timeout: number,
  exited: Promise<End>,
  output: Tail,
): Promise<void> {
  const deadline = Date.now() + timeout;
  let ended: End | undefined;
  void exited.then((end) => {
    ended = end;
  });
  let last: number | undefined;
  while (Date.now() < deadline) {
    if (ended) {
      throw new ServiceError(
        `the service exited (${describeExit(ended)}) before it was ready${output.suffix()}`,
      );
    }
    last = await probe(url);
    if (last === 200) return;
    await sleep(50);
  }
  throw new ServiceError(
    last === undefined
      ? `nothing answered on ${url} within ${timeout} ms: does the service listen on the PORT it is given?${output.suffix()}`
      : `${url} answered ${last}, not 200, for ${timeout} ms: pass --ready with a path that answers 200 when ready${output.suffix()}`,
  );
}

/** Polls readiness until it answers anything but 200; `stop()` resolves with when it did. */
function watchReadiness(
  url: string,
  exited: Promise<End>,
): { stop(): Promise<number | undefined> } {
  let stopped = false;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const watching = (async () => {
    while (!stopped && !gone) {
      const status = await probe(url, 500);
      if (status !== undefined && status !== 200) return Date.now();
      await sleep(20);
    }
    return undefined;
  })();
  return {
    stop() {
      stopped = true;
      return watching;
    },
  };
}

async function runPreStop(
  preStop: NonNullable<RehearseOptions['preStop']>,
  base: string,
  exited: Promise<End>,
): Promise<void> {
  if (preStop.kind === 'sleep') {
    await Promise.race([sleep(preStop.ms), exited]);
    return;
  }
  // The kubelet waits for the answer (within the grace period, which the SIGKILL timer holds).
  await Promise.race([
    new Promise<void>((resolve) => {
      const req = http.get(`${base}${preStop.path}`, { agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
    }),
    exited,
  ]);
}

/** A shell or package manager that runs the service as its child, so the signal misses it. */
interface Wrapper {
  readonly kind: 'shell' | 'package manager';
  readonly name: string;
  readonly pid: number;
  readonly children: readonly string[];
}

const SHELLS = new Set(['sh', 'dash', 'bash', 'ash', 'zsh', 'ksh', 'busybox']);
const PACKAGE_MANAGERS = /^(npm|npx|yarn|pnpm)\b/;

/**
 * On Linux: the command's first process, when it is a shell or a package manager with children
 * (bash replaces itself with a lone command, leaving none; dash forks; npm always forks).
 * A node process with children (a cluster primary, a supervisor) is the service itself.
 */
function wrapperOf(pid: number): Wrapper | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (!children) return undefined;
    // npm sets its process title: "npm start" is both its name and its command line.
    const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const script = args.find((arg) => /(npm|npx|yarn|pnpm)(-cli)?(\.c?js)?$/.test(arg)) ?? '';
    const manager = PACKAGE_MANAGERS.exec(name) ?? PACKAGE_MANAGERS.exec(script.split('/').pop()!);
    const kind = manager ? 'package manager' : SHELLS.has(name) ? 'shell' : undefined;
    if (!kind) return undefined;
    return { kind, name: manager?.[1] ?? name, pid, children: children.split(' ') };
  } catch {
    return undefined;
  }
}

function readReport(file: string): ShutdownReport | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ShutdownReport;
  } catch {
    return null;
  }
}

interface Facts {
  readonly options: RehearseOptions;
  /** The shell or package manager that ran the service, if the signal went to it instead. */
  readonly wrapper: Wrapper | undefined;
  readonly end: End;
  readonly killed: boolean;
  readonly failed: number;
  readonly byKind: Readonly<Record<Outcome, number>>;
  readonly strays: boolean;
  readonly exitMs: number;
  readonly report: ShutdownReport | null;
  readonly signalledMs: number;
}

/**
 * Says, in a sentence each, why a rehearsal failed and what to look at. A cause found is said
 * instead of its consequences: when the signal went to a shell or npm, the refused connections
 * and the missing report follow from that, not from a missing delay or handler.
 */
function explain(notes: string[], f: Facts): void {
  const { options, wrapper } = f;
  const lagHint = `keep serving through the lag (with shutdown-hooks: a \`delay\` longer than ${options.lag} ms)`;
  // The service's own report says the signal reached it, whatever ran it.
  const missed = wrapper !== undefined && (f.report === null || f.strays);
  if (missed) {
    const fix =
      wrapper.kind === 'shell'
        ? 'make the shell exec the service (a start script of "exec node server.js", or CMD in exec form: ["node", "server.js"])'
        : `run node directly instead of ${wrapper.name} (a start script of "exec node server.js" is not enough: ${wrapper.name} itself does not pass the signal on)`;
    notes.push(
      `the command's first process is ${wrapper.kind === 'shell' ? 'a shell' : wrapper.name} (${wrapper.name}, pid ${wrapper.pid}) that ran the service as its child (pid ${wrapper.children.join(', ')}): the signal went to ${wrapper.name}, and the service never saw it. To fix it, ${fix}.`,
    );
  } else if (f.strays) {
    notes.push(
      `the command's first process exited (${describeExit(f.end)}) but others it started were still running: the signal never reached the service.`,
    );
  }
  if (f.killed) {
    notes.push(
      `the service was still running ${options.grace} ms after termination began and was killed: it ignored ${options.signal}, or its shutdown took longer than the grace period.`,
    );
  }
  const unhandled = !missed && f.report === null && f.end.signal === options.signal;
  if (unhandled) {
    notes.push(
      `the service died of ${options.signal} itself: nothing handled the signal, so it stopped serving at once${f.byKind.refused > 0 ? ` and ${f.byKind.refused} connections were refused during the lag` : ''}. Handle ${options.signal}, and ${lagHint}.`,
    );
  } else if (!missed && f.byKind.refused > 0) {
    notes.push(
      f.exitMs < options.lag
        ? `the service exited ${f.exitMs} ms after termination began, while the endpoint still routed to it for ${options.lag} ms: ${f.byKind.refused} connections were refused. ${capitalize(lagHint)}.`
        : `${f.byKind.refused} connections were refused during the lag: the service stopped accepting before the endpoint stopped routing to it. ${capitalize(lagHint)}.`,
    );
  }
  // Once the first process is gone, everything it started is killed, as in a container whose PID 1
  // exits: connections cut then follow from the missed signal.
  const broken = f.byKind.reset + f.byKind.unanswered;
  if (broken > 0 && !missed) {
    notes.push(
      `${broken} requests were written and never answered (reset or closed): the service closed connections under them.`,
    );
  }
  if (f.byKind['503'] + f.byKind['5xx'] > 0) {
    notes.push(
      `${f.byKind['503'] + f.byKind['5xx']} requests to the load URL were answered with a 5xx.`,
    );
  }
  if (f.byKind['4xx'] > 0) {
    notes.push(
      `${f.byKind['4xx']} requests to the load URL were answered with a 4xx, though it answered 2xx or 3xx before termination.`,
    );
  }
  if (f.byKind.timeout > 0)
    notes.push(`${f.byKind.timeout} requests got no answer before the rehearsal ended.`);
}

function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** The last few lines a service printed, for error messages. */
class Tail {
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
