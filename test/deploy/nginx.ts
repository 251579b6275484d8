import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  for (const candidate of [
    '/usr/sbin/nginx',
    '/usr/local/sbin/nginx',
    '/usr/local/nginx/sbin/nginx',
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once 127.0.0.1:`port` answers 200 on /ready. */
export async function untilReady(port: number): Promise<void> {
  for (;;) {
    const status = await new Promise<number | undefined>((resolve) =>
      http
        .get({ host: '127.0.0.1', port, path: '/ready', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', () => resolve(undefined)),
    );
    if (status === 200) return;
    await sleep(20);
  }
}

/**
 * nginx as a reverse proxy on loopback, from a temp dir with its own config, pid file and logs:
 * never the system service. Keep-alive to its upstreams, no retry of a failed request on another
 * upstream (so every failure reaches the client), and no upstream ever marked down (as
 * kube-proxy, which knows nothing of failures).
 */
export class Nginx {
  readonly port: number;
  readonly #dir: string;
  #proc: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.#dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-nginx-'));
    mkdirSync(join(this.#dir, 'tmp'));
  }

  static async start(bin: string, upstreams: readonly number[]): Promise<Nginx> {
    const nginx = new Nginx(await freePort());
    nginx.#write(upstreams);
    nginx.#proc = spawn(bin, ['-p', nginx.#dir, '-c', join(nginx.#dir, 'nginx.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await nginx.#waitForPid();
    return nginx;
  }

  /** Rewrites the upstream list and reloads (SIGHUP): new workers route to the new list. */
  async route(upstreams: readonly number[]): Promise<void> {
    this.#write(upstreams);
    const pid = Number(readFileSync(join(this.#dir, 'nginx.pid'), 'utf8'));
    const log = join(this.#dir, 'error.log');
    const before = existsSync(log) ? readFileSync(log, 'utf8').length : 0;
    process.kill(pid, 'SIGHUP');
    // Routing has changed once the master reports the reconfiguration (its new workers start).
    for (let i = 0; i < 200; i++) {
      const text = existsSync(log) ? readFileSync(log, 'utf8').slice(before) : '';
      if (text.includes('start worker process')) return;
      if (text.includes('[emerg]')) throw new Error(`nginx reload failed:\n${text}`);
      await sleep(10);
    }
    throw new Error('nginx did not reload within 2 s');
  }

  async stop(): Promise<void> {
    if (this.#proc && this.#proc.exitCode === null) {
      this.#proc.kill('SIGTERM');
      await once(this.#proc, 'exit');
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #write(upstreams: readonly number[]): void {
    const d = this.#dir;
    const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n');
    writeFileSync(
      join(d, 'nginx.conf'),
      `daemon off;
master_process on;
worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/error.log notice;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${d}/tmp/body;
  proxy_temp_path ${d}/tmp/proxy;
  fastcgi_temp_path ${d}/tmp/fastcgi;
  uwsgi_temp_path ${d}/tmp/uwsgi;
  scgi_temp_path ${d}/tmp/scgi;
  upstream app {
${servers}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${this.port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream off;
    }
  }
}
`,
    );
  }

  async #waitForPid(): Promise<void> {
    let stderr = '';
    this.#proc!.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    for (let i = 0; i < 300; i++) {
      if (this.#proc!.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      if (existsSync(join(this.#dir, 'nginx.pid'))) return;
      await sleep(10);
    }
    throw new Error(`nginx did not start within 3 s: ${stderr}`);
  }
}
