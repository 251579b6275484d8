import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPackage } from './containers.mjs';

/** The runtime the tests run on (vitest itself, and the children it starts). */
export const RUNTIME: 'node' | 'bun' | 'deno' = process.versions.bun
  ? 'bun'
  : process.versions.deno
    ? 'deno'
    : 'node';

/**
 * The binary children run on: the runtime's own (CI sets SHUTDOWN_HOOKS_NODE to run them on Node
 * 22 and 24).
 */
export const NODE = process.env.SHUTDOWN_HOOKS_NODE || process.execPath;

/** The command that runs a script file on that runtime: Deno needs `run` and its permissions. */
export const RUN: readonly string[] = RUNTIME === 'deno' ? [NODE, 'run', '-A'] : [NODE];

/**
 * The reason a test cannot apply on this runtime, for `it.skipIf(...)`: printed once, so a skip
 * is never silent. Undefined on a runtime where it applies.
 */
export function notOn(runtimes: readonly ('bun' | 'deno')[], reason: string): string | undefined {
  if (!runtimes.includes(RUNTIME as 'bun' | 'deno')) return undefined;
  process.stderr.write(`skipped on ${RUNTIME}: ${reason}\n`);
  return reason;
}

export const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

export interface Child {
  proc: ChildProcess;
  /** Resolves once the child printed `ready` (or `marker`). */
  ready: Promise<void>;
  /** Resolves when a line equal to `line` (or matching it) has been printed. */
  waitFor(line: string | RegExp): Promise<void>;
  result: Promise<ChildResult>;
  /** Everything printed on stdout so far. */
  output(): string;
}

/** Why a test of a request on a kept-alive socket after the drain began cannot apply on Bun. */
export const BUN_CLOSES_IDLE =
  "Bun's server.close() closes idle keep-alive connections at once, so a request sent on one after the drain began finds it closed (docs/runtimes.md)";

/** The same for a test that applies on some runtimes alone (a runtime's own API or limits). */
export function onlyOn(
  runtimes: readonly ('node' | 'bun' | 'deno')[],
  reason: string,
): string | undefined {
  if (runtimes.includes(RUNTIME)) return undefined;
  process.stderr.write(`skipped on ${RUNTIME}: ${reason}\n`);
  return reason;
}

let scripts = 0;

/**
 * A script file holding `code`, for what `node -e` would run: every runtime runs a file (Deno has
 * no `-e` for `deno run`). CommonJS unless `type` says 'module'; in `dir` when its imports must
 * resolve from there.
 */
export function script(
  code: string,
  dir?: string,
  type: 'commonjs' | 'module' = 'commonjs',
): string {
  scripts += 1;
  const file = join(
    dir ?? mkdtempSync(join(tmpdir(), 'shutdown-hooks-script-')),
    `script-${process.pid}-${scripts}.${type === 'module' ? 'mjs' : 'cjs'}`,
  );
  writeFileSync(file, code);
  return file;
}

/**
 * `spawn()` of a script on the runtime under test (`command` replaces the runtime's, with its
 * arguments first).
 */
export function spawnRuntime(
  args: readonly string[],
  { command: given, ...options }: SpawnOptions & { command?: readonly string[] | undefined } = {},
): ChildProcess {
  const [command, ...prefix] = given ?? RUN;
  const proc = spawn(command!, [...prefix, ...args], options);
  // Deno reports a child signalled through ChildProcess#kill() as ended by the signal, whatever
  // its exit code; process.kill() leaves the report alone.
  if (RUNTIME === 'deno') proc.kill = (signal) => signalProcess(proc.pid, signal);
  return proc;
}

/** Spawns `node <file> ...args`, collects output, and tells when it says ready. */
export function spawnNode(
  args: string[],
  options: { env?: Record<string, string>; command?: string[]; cwd?: string } = {},
): Child {
  const proc = spawnRuntime(args, {
    env: { ...process.env, DEBUG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    command: options.command,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { match: string | RegExp; resolve: () => void }[] = [];
  const lines = () => stdout.split('\n').filter(Boolean);
  const check = () => {
    for (const waiter of [...waiters]) {
      const hit = lines().some((l) =>
        typeof waiter.match === 'string' ? l === waiter.match : waiter.match.test(l),
      );
      if (hit) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const result = new Promise<ChildResult>((resolve) => {
    proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, lines: lines() }));
  });
  const waitFor = (match: string | RegExp) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ match, resolve });
      check();
      void result.then((r) =>
        reject(
          new Error(
            `child ended (${r.code ?? r.signal}) before "${match}":\n${r.stdout}\n${r.stderr}`,
          ),
        ),
      );
    });
  const ready = waitFor('ready');
  // Children that never say ready are fine when nobody awaits `ready`.
  ready.catch(() => {});
  return { proc, ready, waitFor, result, output: () => stdout };
}

/** `process.kill(pid, signal)`, false when there is no such process. */
function signalProcess(pid: number | undefined, signal?: NodeJS.Signals | number): boolean {
  try {
    return pid !== undefined && process.kill(pid, signal);
  } catch {
    return false;
  }
}

/** Runs the configurable service fixture. */
export function spawnService(config: object, env: Record<string, string> = {}): Child {
  return spawnNode([fixture('service.mjs')], { env: { SERVICE: JSON.stringify(config), ...env } });
}

/** Runs the service fixture, sends `signal` once it is ready, and resolves with how it ended. */
export async function stopService(
  config: object,
  signal: NodeJS.Signals = 'SIGTERM',
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const child = spawnService(config, env);
  await child.ready;
  child.proc.kill(signal);
  return child.result;
}

export { installPackage };

/**
 * A package with its own lockfile (`from`: a folder with package.json and package-lock.json),
 * installed with `npm ci` into `<tmpdir>/shutdown-hooks-<name>`, outside the project so that its
 * imports never reach the project's node_modules; again only when the lockfile changed. The built
 * package goes beside its dependencies, and `files` (files or folders) are copied in. Returns the
 * folder.
 */
export function installAside(name: string, from: string, files: readonly string[] = []): string {
  const dir = join(tmpdir(), `shutdown-hooks-${name}`);
  const lock = readFileSync(join(from, 'package-lock.json'), 'utf8');
  const installed = join(dir, 'package-lock.json');
  if (!existsSync(installed) || readFileSync(installed, 'utf8') !== lock) {
    mkdirSync(dir, { recursive: true });
    for (const file of ['package.json', 'package-lock.json'])
      cpSync(join(from, file), join(dir, file));
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
  }
  installPackage(dir);
  for (const file of files) cpSync(file, join(dir, file.split('/').pop()!), { recursive: true });
  return dir;
}

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Runs the built `shutdown-hooks` command to its end; its exit status and output. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const [command, ...prefix] = RUN;
    const proc = spawn(command!, [...prefix, cli, ...args], {
      env: { ...process.env, DEBUG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
