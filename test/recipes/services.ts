// PostgreSQL and Redis from Debian's packages, each started on loopback from a temp dir with its
// own data dir, port and socket: never the system service. Locally a test whose server is absent
// skips with a one-line reason; CI (SHUTDOWN_HOOKS_REQUIRE_SERVICES=1) fails instead.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../deploy/nginx.js';

export const REQUIRED = process.env.SHUTDOWN_HOOKS_REQUIRE_SERVICES === '1';

/** The directory of PostgreSQL's server binaries (the newest installed), or undefined. */
export function findPostgres(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

/** The redis-server binary, or undefined. */
export function findRedis(): string | undefined {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Says, once, why a suite skips (locally only). */
export function skipReason(name: string, found: string | undefined, install: string): boolean {
  if (found || REQUIRED) return false;
  console.log(`${name} skipped: not installed (apt-get install ${install})`);
  return true;
}

async function waitForPort(port: number, proc: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on ${port} within 15 s`);
}

/** A server process in its own process group, so that it can be paused and stopped as a whole. */
abstract class Service {
  readonly port: number;
  protected readonly dir: string;
  protected proc: ChildProcess | undefined;

  protected constructor(port: number, prefix: string) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  /**
   * SIGSTOP to the server and every process it forked (PostgreSQL's backends leave its process
   * group): it accepts nothing and answers nothing, as a hung database.
   */
  pause(): void {
    this.#signal('SIGSTOP');
  }

  resume(): void {
    this.#signal('SIGCONT');
  }

  #signal(signal: NodeJS.Signals): void {
    for (const pid of this.#tree()) {
      try {
        process.kill(pid, signal);
      } catch {
        // ended since the scan
      }
    }
  }

  #tree(): number[] {
    const root = this.proc?.pid;
    if (root === undefined) return [];
    const parents = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The fields after the command (which may hold spaces) start after its last ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parents.set(Number(entry), ppid);
      } catch {
        // gone meanwhile
      }
    }
    const tree = [root];
    for (let i = 0; i < tree.length; i++) {
      for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
    }
    return tree;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc?.pid && proc.exitCode === null && proc.signalCode === null) {
      this.resume();
      proc.kill('SIGINT'); // PostgreSQL's fast shutdown; Redis exits on it too
      await once(proc, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Postgres extends Service {
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(bin: string): Promise<Postgres> {
    const pg = new Postgres(await freePort(), 'shutdown-hooks-pg-');
    // initdb and postgres refuse to run as root: run them as the package's postgres user.
    const user = process.getuid?.() === 0 ? userIds('postgres') : undefined;
    if (user) chownSync(pg.dir, user.uid, user.gid);
    const data = join(pg.dir, 'data');
    execFileSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'],
      {
        stdio: 'ignore',
        ...user,
      },
    );
    pg.proc = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(pg.port),
        '-k',
        pg.dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
      ],
      { stdio: 'ignore', detached: true, ...user },
    );
    await waitForPort(pg.port, pg.proc, 'postgres');
    return pg;
  }
}

export class Redis extends Service {
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(bin: string): Promise<Redis> {
    const redis = new Redis(await freePort(), 'shutdown-hooks-redis-');
    redis.proc = spawn(
      bin,
      [
        '--port',
        String(redis.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        redis.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore', detached: true },
    );
    await waitForPort(redis.port, redis.proc, 'redis-server');
    return redis;
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) =>
    Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim()),
  );
  return { uid: uid!, gid: gid! };
}
