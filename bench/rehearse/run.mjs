// The rehearsal table: the examples and the peers of bench/drain, each stopped by
// `shutdown-hooks rehearse` with the same endpoint lag and load, as a rolling update stops them.
// Run with `npm run bench` (or `node bench/rehearse/run.mjs` after a build).
import { fileURLToPath } from 'node:url';
import { median, printTable, rehearseJson } from '../lib.mjs';

const path = (file) => fileURLToPath(new URL(`../../${file}`, import.meta.url));
const REPEATS = Number(process.env.BENCH_REHEARSALS ?? 3);
const LAG = 2000;
const DELAY = 3000; // the documented setting: longer than the lag
const LOAD = ['--rate', '100', '--connections', '20', '--warmup', '1000', '--lag', String(LAG)];

const server = (contender) => [process.execPath, path('bench/drain/server.mjs'), contender, 'http'];
const example = (file) => [process.execPath, path(`examples/${file}`)];
const CASES = [
  {
    name: `shutdown-hooks http example, delay ${DELAY}`,
    command: example('http.mjs'),
    env: { DELAY_MS: String(DELAY) },
  },
  {
    name: `shutdown-hooks Express example, delay ${DELAY}`,
    command: example('express.mjs'),
    env: { DELAY_MS: String(DELAY), EXPRESS_PACKAGE: 'express5' },
  },
  {
    name: `shutdown-hooks Fastify example, delay ${DELAY}`,
    command: example('fastify.mjs'),
    env: { DELAY_MS: String(DELAY) },
  },
  {
    name: 'shutdown-hooks http example, delay 0',
    command: example('http.mjs'),
    env: { DELAY_MS: '0' },
  },
  ...['stoppable', 'http-terminator', 'terminus', 'server.close()'].map((contender) => ({
    name: contender,
    command: server(contender),
    env: {},
    url: 'http://127.0.0.1:$PORT/?ms=100',
  })),
];

const rehearse = ({ command, env, url }) =>
  rehearseJson([...LOAD, ...(url ? ['--url', url] : []), '--', ...command], {
    ...process.env,
    ...env,
  });

export async function runRehearsals() {
  const rows = [];
  for (const c of CASES) {
    const runs = [];
    for (let i = 0; i < REPEATS; i++) runs.push(await rehearse(c));
    const sum = (pick) => runs.reduce((n, r) => n + pick(r), 0);
    const kinds = {};
    for (const r of runs)
      for (const [kind, n] of Object.entries(r.requests.byKind))
        if (kind !== 'ok' && n > 0) kinds[kind] = (kinds[kind] ?? 0) + n;
    rows.push([
      c.name,
      sum((r) => r.requests.sent),
      sum((r) => r.requests.failed),
      Object.entries(kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || '—',
      Math.round(median(runs.map((r) => r.exit.ms))),
      `${runs.filter((r) => r.verdict === 'pass').length}/${REPEATS}`,
    ]);
  }
  printTable(
    `Rehearsals, Node ${process.version}: lag ${LAG} ms, 100 requests/s over 20 keep-alive connections, summed over ${REPEATS} runs (exit: median ms from SIGTERM)`,
    ['service', 'sent', 'failed', 'failed by kind', 'exit ms', 'pass'],
    rows,
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runRehearsals();
