// Load scenarios for the drain benchmark. Each starts a server child, loads it with a real
// keep-alive client (undici, or node:http2), sends SIGTERM, and counts what happened to every
// request: served, 503, refused cleanly (never sent: the connection was refused, or HTTP/2 said
// the stream was not processed), or lost (written on an open connection, then reset or hung up).
import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { median } from '../lib.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const KILL_AFTER = 10_000; // what `docker stop` would allow

/**
 * Starts a contender (under `wrapper`, a command prefix such as valgrind; on `runtime`, the
 * command that runs a script); resolves once it listens.
 */
export async function startServer(
  contender,
  protocol,
  tls,
  wrapper = [],
  runtime = [process.execPath],
) {
  const [command, ...args] = [...wrapper, ...runtime, SERVER, contender, protocol];
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_KEY: tls.key, BENCH_CERT: tls.cert, DEBUG: '' },
  });
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ports = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const match = /ready (\d+)(?: (\d+))?\n/.exec(out);
      if (match) resolve(match.slice(1).filter(Boolean).map(Number));
    });
    exited.then(() => reject(new Error(`${contender} exited before listening`)));
  });
  const scheme = protocol === 'http' || protocol === 'native' ? 'http' : 'https';
  return { child, exited, origin: `${scheme}://localhost:${ports[0]}`, ports, protocol };
}

/** Sends SIGTERM; resolves with ms until the process exited (SIGKILL after KILL_AFTER ms). */
export async function terminate(server) {
  const start = performance.now();
  // process.kill(), not ChildProcess#kill(): on Deno the latter reports the exit as the signal's.
  const kill = (signal) => {
    try {
      process.kill(server.child.pid, signal);
    } catch {}
  };
  kill('SIGTERM');
  const killer = setTimeout(() => kill('SIGKILL'), KILL_AFTER);
  const { signal } = await server.exited;
  clearTimeout(killer);
  return { ms: performance.now() - start, killed: signal === 'SIGKILL' };
}

export function tally() {
  return { ok: 0, unavailable: 0, refused: 0, lost: 0, codes: {} };
}

function classify(t, error) {
  const code = error?.code ?? error?.name ?? 'unknown';
  const text = String(error?.message ?? '');
  const neverSent =
    code === 'ECONNREFUSED' ||
    code === 'ERR_HTTP2_GOAWAY_SESSION' ||
    code === 'ERR_HTTP2_INVALID_SESSION' ||
    (code === 'ERR_HTTP2_STREAM_ERROR' && text.includes('REFUSED_STREAM'));
  if (neverSent) t.refused += 1;
  else {
    t.lost += 1;
    t.codes[code] = (t.codes[code] ?? 0) + 1;
  }
}

function record(t, status) {
  if (status === 200) t.ok += 1;
  else if (status === 503) t.unavailable += 1;
  else {
    t.lost += 1;
    t.codes[`HTTP ${status}`] = (t.codes[`HTTP ${status}`] ?? 0) + 1;
  }
}

function h1Pool(server, connections) {
  return new Pool(server.origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { rejectUnauthorized: false },
  });
}

async function h1Get(pool, path, t) {
  try {
    const res = await pool.request({ path, method: 'GET' });
    await res.body.text();
    record(t, res.statusCode);
  } catch (error) {
    classify(t, error);
    return false;
  }
  return true;
}

function h2Get(session, path, t) {
  return new Promise((resolve) => {
    let stream;
    try {
      stream = session.request({ ':path': path });
    } catch (error) {
      classify(t, error);
      resolve(false);
      return;
    }
    let status = 0;
    stream.on('response', (headers) => {
      status = headers[':status'];
    });
    stream.resume();
    stream.on('end', () => {
      if (status) record(t, status);
      else classify(t, { code: 'ERR_NO_RESPONSE' });
      resolve(true);
    });
    stream.on('error', (error) => {
      classify(t, error);
      resolve(false);
    });
  });
}

/** (A) 50 requests of 1 s in flight, SIGTERM 200 ms after they were sent. */
export async function inFlight(contender, protocol, tls, runtime = undefined) {
  const server = await startServer(contender, protocol, tls, [], runtime);
  const t = tally();
  let pending;
  let cleanup;
  if (protocol === 'h2') {
    const sessions = Array.from({ length: 5 }, () => {
      const s = http2.connect(server.origin, { rejectUnauthorized: false });
      s.on('error', () => {});
      return s;
    });
    pending = Array.from({ length: 50 }, (_, i) => h2Get(sessions[i % 5], '/?ms=1000', t));
    cleanup = () => {
      for (const s of sessions) s.destroy();
    };
  } else {
    const pool = h1Pool(server, 50);
    pending = Array.from({ length: 50 }, () => h1Get(pool, '/?ms=1000', t));
    cleanup = () => pool.destroy();
  }
  await sleep(200);
  const exit = await terminate(server);
  await Promise.all(pending);
  await cleanup();
  return { ...t, exit };
}

/** (B) Steady keep-alive load (32 clients, 20 ms handler); SIGTERM after 1 s; load goes on until exit. */
export async function steady(contender, tls) {
  const server = await startServer(contender, 'http', tls);
  const t = tally();
  const pool = h1Pool(server, 32);
  let running = true;
  const loops = Array.from({ length: 32 }, async () => {
    while (running) {
      const sent = await h1Get(pool, '/?ms=20', t);
      if (!sent) await sleep(5); // a refused connection: back off a little, as clients do
    }
  });
  await sleep(1000);
  const exit = await terminate(server);
  running = false;
  await Promise.all(loops);
  await pool.destroy();
  return { ...t, exit };
}

/** (C) 100 keep-alive sockets left idle for 500 ms, then SIGTERM. */
export async function idle(contender, tls) {
  const server = await startServer(contender, 'http', tls);
  const t = tally();
  const pool = h1Pool(server, 100);
  await Promise.all(Array.from({ length: 100 }, () => h1Get(pool, '/?ms=50', t)));
  await sleep(500);
  const exit = await terminate(server);
  await pool.destroy();
  return { ...t, exit };
}

function cpuOf(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.cpu));
    child.send('cpu');
  });
}

/**
 * Sends `count` pipelined GET requests on one raw keep-alive connection, `batch` at a time, and
 * resolves once every response has arrived. The client does almost nothing, so what is measured
 * is the server.
 */
function pipelined(port, count, batch = 64) {
  const request = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let received = 0;
    let tail = '';
    const send = () => {
      const n = Math.min(batch, count - sent);
      if (n > 0) socket.write(Buffer.concat(Array.from({ length: n }, () => request)));
      sent += n;
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      const text = tail + chunk;
      const parts = text.split('HTTP/1.1 200');
      received += parts.length - 1;
      tail = parts[parts.length - 1].slice(-12);
      if (received === count) {
        socket.destroy();
        resolve();
      } else if (sent - received < batch / 2) send();
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      send();
      send();
    });
  });
}

/**
 * (D) Server CPU per request relative to a bare server, measured in one process: bursts of
 * pipelined requests alternate between a bare server and one set up by the contender, so both
 * see the same machine, JIT state and load. Returns the median of the per-round ratios and the
 * bare server's median µs per request.
 */
export async function cpuRatio(contender, tls, rounds = 24, burst = 8_000) {
  const server = await startServer(contender, 'paired', tls);
  const [barePort, measuredPort] = server.ports;
  const run = (port) => Promise.all(Array.from({ length: 16 }, () => pipelined(port, burst / 16)));
  await run(barePort);
  await run(measuredPort);
  const ratios = [];
  const bareUs = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [measuredPort, barePort] : [barePort, measuredPort];
    const cpu = { [barePort]: 0, [measuredPort]: 0 };
    for (const port of order) {
      const before = await cpuOf(server.child);
      await run(port);
      cpu[port] = (await cpuOf(server.child)) - before;
    }
    ratios.push(cpu[measuredPort] / cpu[barePort]);
    bareUs.push(cpu[barePort] / burst);
  }
  server.child.kill('SIGKILL');
  await server.exited;
  return { ratio: median(ratios), bareUs: median(bareUs) };
}
