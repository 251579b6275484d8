// Real PM2 (the project's dev dependency) with its daemon in a PM2_HOME of its own, for the PM2
// tests (test/deploy/pm2.test.ts) and their figures (bench/platforms/pm2.mjs). The app is
// test/fixtures/pm2-app.mjs in cluster mode, 2 instances, with no kill_timeout: PM2 stops each
// worker with SIGINT and SIGKILLs it 1600 ms later.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PM2 = fileURLToPath(new URL('../../node_modules/pm2/bin/pm2', import.meta.url));
const APP = fileURLToPath(new URL('../fixtures/pm2-app.mjs', import.meta.url));
const run = promisify(execFile);

/** A free TCP port: PM2's cluster workers share one, so it cannot be 0. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `read` until `done` holds (10 s at most), then returns what it read. */
export async function until(read, done) {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (done(value)) return value;
    await sleep(50);
  }
  throw new Error(`gave up waiting; last: ${JSON.stringify(read())}`);
}

const lines = (file) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

export class Pm2 {
  /** `node`: the binary PM2 and the app run on. */
  constructor(node = process.execPath) {
    this.node = node;
    this.dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-pm2-'));
  }

  /** Runs a `pm2` command against this daemon. */
  pm2(...args) {
    return run(this.node, [PM2, ...args], {
      env: { ...process.env, PM2_HOME: join(this.dir, 'home') },
    });
  }

  /** Starts the app as `name` (2 cluster workers, no kill_timeout); resolves once both listen. */
  async start(name, env = {}) {
    const port = await freePort();
    const file = (kind) => join(this.dir, `${name}.${kind}`);
    const files = { REPORTS: file('reports'), STARTS: file('starts'), SIGNALS: file('signals') };
    for (const path of Object.values(files)) writeFileSync(path, '');
    const app = {
      name,
      script: APP,
      interpreter: this.node,
      exec_mode: 'cluster',
      instances: 2,
      env: { PORT: String(port), ...files, ...env },
    };
    writeFileSync(file('config.cjs'), `module.exports = ${JSON.stringify({ apps: [app] })};\n`);
    await this.pm2('start', file('config.cjs'));
    const starts = () => lines(files.STARTS).map(Number);
    await until(starts, (pids) => pids.length >= 2);
    return {
      port,
      /** Pids of the workers that listened, in order. */
      starts,
      /** Pids of the workers, once per SIGINT each received. */
      signals: () => lines(files.SIGNALS).map(Number),
      /** The report each worker wrote when its shutdown was done. */
      reports: () => lines(files.REPORTS).map((line) => JSON.parse(line)),
      /** PM2's own account of how each worker ended: "code [0] via signal [SIGINT]". */
      exits: () => {
        const log = readFileSync(join(this.dir, 'home', 'pm2.log'), 'utf8');
        const pattern = new RegExp(
          `App \\[${name}:[^\\]]+\\] exited with (code \\[\\S+\\] via signal \\[\\S+\\])`,
          'g',
        );
        return [...log.matchAll(pattern)].map((m) => m[1]);
      },
    };
  }

  /** Kills the daemon and removes its home. */
  async close() {
    await this.pm2('kill').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `pm2 reload` of a fresh app under a steady keep-alive load (`rate` a second over 8 sockets):
 * requests sent, failed and sent again on a fresh socket, how long the reload took, each old
 * worker's report and PM2's account of how it ended.
 */
export async function reloadUnderLoad(pm2, name, env = {}, rate = 200) {
  const app = await pm2.start(name, env);
  const workers = app.starts();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  let failed = 0;
  let retried = 0;
  /** How each failed request ended: an error code, or an HTTP status. */
  const failures = [];
  const pending = new Set();
  // A keep-alive client, as a proxy is: a request whose reused socket was closed before any
  // answer (the server closed it as idle as the request left) is sent once more, as Node's docs
  // advise and proxies do for idempotent requests. Counted apart: that race belongs to HTTP/1.1
  // keep-alive, not to the drain, and a client that sleeps (a loaded machine) meets it more.
  const get = (retry) =>
    new Promise((resolve) => {
      const req = http.get(`http://127.0.0.1:${app.port}/`, { agent, timeout: 5000 }, (res) => {
        res.resume().on('end', () => {
          if (res.statusCode !== 200) failures.push(String(res.statusCode));
          resolve(res.statusCode === 200);
        });
      });
      req.on('error', (error) => {
        if (retry && req.reusedSocket && error.code === 'ECONNRESET') {
          retried += 1;
          resolve(get(false));
          return;
        }
        failures.push(error.code ?? error.message);
        resolve(false);
      });
      req.on('timeout', () => req.destroy());
    });
  const send = () => {
    sent += 1;
    const request = get(true).then((ok) => {
      if (!ok) failed += 1;
      pending.delete(request);
    });
    pending.add(request);
  };
  const timer = setInterval(() => {
    for (let i = 0; i < rate / 100; i++) send();
  }, 10);
  await sleep(500);
  const began = Date.now();
  await pm2.pm2('reload', name);
  const reloadMs = Date.now() - began;
  await sleep(500);
  clearInterval(timer);
  await Promise.all(pending);
  agent.destroy();
  const exits = await until(app.exits, (e) => e.length >= workers.length).catch(() => app.exits());
  const reports = app.reports().filter((report) => workers.includes(report.pid));
  await pm2.pm2('delete', name);
  return { sent, failed, failures, retried, reloadMs, workers, reports, exits };
}

/**
 * `pm2 stop` of a fresh app, then `pm2 delete` while a worker is still stopping, so that it gets
 * SIGINT twice (`twice`: the workers that did): each report and PM2's account of each end.
 */
export async function stopThenDelete(pm2, name, env = {}) {
  const app = await pm2.start(name, env);
  const workers = app.starts();
  const stopping = pm2.pm2('stop', name);
  // The delete is sent as soon as a worker has its SIGINT: it reaches PM2 while that worker (or
  // the next) is still stopping.
  await until(app.signals, (got) => got.length >= 1);
  await pm2.pm2('delete', name);
  await stopping;
  const reports = await until(app.reports, (r) => r.length >= workers.length).catch(() =>
    app.reports(),
  );
  const exits = await until(app.exits, (e) => e.length >= workers.length).catch(() => app.exits());
  const signals = app.signals();
  const twice = workers.filter((pid) => signals.filter((p) => p === pid).length >= 2);
  return { workers, twice, reports, exits };
}
