// A real container engine for the container tests: dockerd from Debian's docker.io, started from
// a temp dir with its own data root, exec root, socket and pid file (never the system service),
// and a base image made here from the host's own node binary, since no registry can be reached.
// Locally a suite skips with one line when dockerd is absent; CI installs it and sets
// SHUTDOWN_HOOKS_REQUIRE_SERVICES=1, so there it fails instead.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installPackage } from '../process/child.js';

export const REQUIRED = process.env.SHUTDOWN_HOOKS_REQUIRE_SERVICES === '1';

/** The dockerd binary, or undefined when it is not installed (or this is not root). */
export function findDockerd(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const candidate of ['/usr/sbin/dockerd', '/usr/bin/dockerd']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Says, once, why a container suite skips (locally only). */
export function skipWithoutEngine(suite: string): boolean {
  if (findDockerd() || REQUIRED) return false;
  console.log(
    `${suite} skipped: no container engine (apt-get install docker.io, as root; CI installs it)`,
  );
  return true;
}

/** One dockerd of our own, and the environment that points the docker CLI at it. */
export class Engine {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly #proc: ChildProcess;

  private constructor(dir: string, proc: ChildProcess) {
    this.dir = dir;
    this.#proc = proc;
    // A docker CLI newer than the 20.10 daemon builds with the legacy builder only.
    this.env = { ...process.env, DOCKER_HOST: `unix://${dir}/docker.sock`, DOCKER_BUILDKIT: '0' };
  }

  static async start(): Promise<Engine> {
    const dockerd = findDockerd();
    if (!dockerd) throw new Error('dockerd is not installed: apt-get install docker.io');
    // A short path: the sockets under it must fit in 108 bytes.
    const dir = mkdtempSync('/tmp/sh-dk-');
    const proc = spawn(
      dockerd,
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'dockerd.pid'),
        '--host',
        `unix://${dir}/docker.sock`,
        '--storage-driver',
        'overlay2',
        '--iptables=false',
        '--ip6tables=false',
        '--ip-masq=false',
        '--bridge=none',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      log = (log + chunk).slice(-4000);
    });
    const engine = new Engine(dir, proc);
    for (let i = 0; i < 150; i++) {
      if (proc.exitCode !== null) break;
      if (
        await engine.docker(['version']).then(
          () => true,
          () => false,
        )
      )
        return engine;
      await sleep(100);
    }
    await engine.stop();
    throw new Error(`dockerd did not start:\n${log}`);
  }

  /** Runs the docker CLI against this engine; resolves with its stdout. */
  docker(args: readonly string[], options: { input?: Buffer } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'docker',
        args,
        { env: this.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`docker ${args.join(' ')}: ${stderr || error.message}`))
            : resolve(stdout),
      );
      if (options.input) child.stdin!.end(options.input);
    });
  }

  /** Builds `context` with `dockerfile` as `tag`, with build arguments. */
  async build(
    tag: string,
    context: string,
    args: Record<string, string>,
    dockerfile: string,
  ): Promise<void> {
    await this.docker([
      'build',
      '--quiet',
      // There is no bridge: RUN steps share the host's network.
      '--network',
      'host',
      '--file',
      dockerfile,
      '--tag',
      tag,
      ...Object.entries(args).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
      context,
    ]);
  }

  /** Stops dockerd (by its pid file), its containers with it, and removes its directory. */
  async stop(): Promise<void> {
    const ids = await this.docker(['ps', '--all', '--quiet']).catch(() => '');
    if (ids.trim()) await this.docker(['rm', '--force', ...ids.trim().split('\n')]).catch(() => {});
    const pidFile = join(this.dir, 'dockerd.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : this.#proc.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
    }
    if (this.#proc.exitCode === null) {
      await Promise.race([new Promise((r) => this.#proc.once('exit', r)), sleep(10_000)]);
    }
    // dockerd leaves mounts under its directories (the network namespace, overlays).
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((path) => path.startsWith(this.dir))
      .sort((a, b) => b.length - a.length);
    for (const mount of mounts) {
      try {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
      } catch {}
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const BASE_IMAGE = 'shutdown-hooks-base:test';

/**
 * The base image: a root filesystem with the host's node binary and the libraries it links,
 * dash as /bin/sh, sleep, env and tini, npm, a `node` user, and the built library with its runtime
 * dependencies in /node_modules, where an import from any directory finds it. Imported with
 * `docker import`: no registry is needed.
 */
export async function buildBaseImage(engine: Engine): Promise<void> {
  const rootfs = mkdtempSync(join(tmpdir(), 'shutdown-hooks-rootfs-'));
  try {
    const node = realpathSync(process.execPath);
    const binaries = [node, '/usr/bin/dash', '/usr/bin/env', '/usr/bin/sleep'];
    if (existsSync('/usr/bin/tini')) binaries.push('/usr/bin/tini');
    const libraries = execFileSync('ldd', binaries, { encoding: 'utf8' })
      .split('\n')
      .map((line) => /(\/\S+\.so[^\s]*)/.exec(line)?.[1])
      .filter((path): path is string => path !== undefined);
    for (const file of [...binaries, ...new Set(libraries)]) {
      const target = join(rootfs, file === node ? '/usr/bin/node' : file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
      chmodSync(target, 0o755);
    }
    for (const dir of ['bin', 'tmp', 'etc', 'app', 'home/node', 'usr/lib/node_modules']) {
      mkdirSync(join(rootfs, dir), { recursive: true });
    }
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    symlinkSync('/usr/bin/dash', join(rootfs, 'bin/sh'));
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    execFileSync('chown', ['1000:1000', join(rootfs, 'home/node')]);
    const npm = join(dirname(dirname(node)), 'lib/node_modules/npm');
    if (existsSync(npm)) {
      cpSync(npm, join(rootfs, 'usr/lib/node_modules/npm'), { recursive: true });
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/bin/npm'));
    }
    // At the root, where an import from /app (or anywhere) finds it.
    installPackage(rootfs);
    const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1024 * 1024 * 1024 });
    await engine.docker(
      ['import', '--change', 'CMD ["node"]', '--change', 'WORKDIR /app', '-', BASE_IMAGE],
      { input: tar },
    );
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}
