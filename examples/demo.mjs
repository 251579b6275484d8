// A small service: a worker loop, a buffered queue, a "database", and an HTTP server kept busy by a
// built-in load generator (8 keep-alive clients). It sends itself SIGTERM after a few seconds (or
// press Ctrl-C), prints each phase as it happens, then the report and what happened to every HTTP
// request, and exits 0 by itself.
//
//   npm run demo            # builds the package, then runs this file
//   node examples/demo.mjs 5  # run for 5 s before the SIGTERM
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  getDefaultShutdown,
  isShuttingDown,
  onShutdown,
  Priority,
  shutdownSignal,
} from 'shutdown-hooks';
import { drainHttp, readinessHandler } from 'shutdown-hooks/http';

const seconds = Number(process.argv[2] ?? 3);
const t0 = Date.now();
const say = (line) => console.log(`${String(Date.now() - t0).padStart(6)} ms  ${line}`);

// The database: PostgreSQL when DATABASE_URL is set (npm's `pg`), else an in-memory stand-in
// whose writes take a little time and whose close waits for the last one.
const db = process.env.DATABASE_URL ? await postgres(process.env.DATABASE_URL) : standIn();

function standIn() {
  return {
    name: 'an in-memory stand-in (set DATABASE_URL=postgres://... to use PostgreSQL)',
    rows: 0,
    open: true,
    async insert(rows) {
      if (!this.open) throw new Error('database is closed');
      await sleep(20);
      this.rows += rows.length;
    },
    async close() {
      await sleep(100);
      this.open = false;
    },
  };
}

async function postgres(url) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url });
  await pool.query('CREATE TABLE IF NOT EXISTS shutdown_hooks_demo (id integer, at timestamptz)');
  return {
    name: `PostgreSQL (${new URL(url).host})`,
    rows: 0,
    async insert(rows) {
      const result = await pool.query(
        'INSERT INTO shutdown_hooks_demo SELECT * FROM unnest($1::integer[], $2::timestamptz[])',
        [rows.map((r) => r.id), rows.map((r) => new Date(r.at))],
      );
      this.rows += result.rowCount;
    },
    close: () => pool.end(),
  };
}

// A buffered queue: jobs collect in memory and reach the database in batches.
const buffer = [];
const flushTimer = setInterval(() => void flush(), 2000);
async function flush() {
  if (buffer.length === 0) return 0;
  const batch = buffer.splice(0, buffer.length);
  await db.insert(batch);
  return batch.length;
}

// The worker loop: Python's `while is_running:`, stopped by the shutdown signal.
let produced = 0;
async function workerLoop() {
  while (!isShuttingDown()) {
    buffer.push({ id: ++produced, at: Date.now() });
    await sleep(50, undefined, { signal: shutdownSignal }).catch(() => {});
  }
  say(`worker: saw the flag after ${produced} jobs; loop ended`);
}
const worker = workerLoop();

onShutdown('stop-worker', () => worker, { priority: Priority.WORKER });
onShutdown('flush-queue', async () => {
  clearInterval(flushTimer);
  const n = await flush();
  say(`flush-queue: wrote the last ${n} buffered jobs`);
});
onShutdown(
  'close-database',
  async () => {
    await db.close();
    say(`close-database: closed with ${db.rows} rows (produced ${produced})`);
  },
  { priority: Priority.RESOURCE },
);

// An HTTP service: 30 ms per request, a readiness probe, drained without dropping a request.
const ready = readinessHandler();
const server = http.createServer((req, res) => {
  if (req.url === '/ready') return ready(req, res);
  setTimeout(() => res.end('ok'), 30);
});
drainHttp(server);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

// The load generator stands in for the outside world: keep-alive clients that never stop on
// their own. A request is served, refused cleanly (the connection was refused: nothing was
// sent), or lost (sent on an open connection, then reset or hung up).
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const traffic = { served: 0, refused: 0, lost: 0 };
let loading = true;
const get = () =>
  new Promise((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
const clients = Array.from({ length: 8 }, async () => {
  while (loading) {
    try {
      await get();
      traffic.served += 1;
    } catch (error) {
      if (error.code === 'ECONNREFUSED') traffic.refused += 1;
      else traffic.lost += 1;
      await sleep(20); // back off, as a real client would
    }
  }
});
onShutdown(
  'stop-load-generator',
  async () => {
    loading = false;
    await Promise.all(clients);
    agent.destroy();
  },
  { priority: Priority.WORKER },
);

const sd = getDefaultShutdown();
sd.on('shutdown', (reason) =>
  say(`shutdown begins (${reason}); isShuttingDown() = ${isShuttingDown()}`),
);
sd.on('hook:start', ({ name, priority }) => say(`hook ${name} starts (priority ${priority})`));
sd.on('hook:end', ({ name, status, durationMs }) =>
  say(`hook ${name}: ${status} in ${durationMs} ms`),
);
sd.on('done', (report) => {
  say(`done: exit code ${report.exitCode}`);
  console.log();
  console.log(formatReport(report));
  console.log(
    `\nrows written ${db.rows} of ${produced} produced: ${db.rows === produced ? 'nothing lost' : 'LOST SOME'}`,
  );
  console.log(
    `http requests: ${traffic.served} served, ${traffic.refused} refused cleanly once the server stopped accepting, lost ${traffic.lost}`,
  );
});

say(`database: ${db.name}`);
say(`running: a worker fills a queue that is flushed to the database every 2 s`);
say(`running: 8 keep-alive clients load http://127.0.0.1:${port}/`);
say(`sending SIGTERM to myself in ${seconds} s (or press Ctrl-C)`);
setTimeout(() => process.kill(process.pid, 'SIGTERM'), seconds * 1000).unref();

function formatReport(report) {
  const rows = [
    ['hook', 'priority', 'status', 'ms'],
    ...report.hooks.map((h) => [h.name, String(h.priority), h.status, String(h.durationMs)]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  return [
    `reason ${report.reason}, exit code ${report.exitCode}, ${report.durationMs} ms, timed out: ${report.timedOut}`,
    line(rows[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}
