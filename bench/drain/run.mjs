// The drain benchmark: every contender, same handler, same load client, in one run; medians of
// several repeats. Run with `npm run bench` (or `node bench/drain/run.mjs`).
import selfsigned from 'selfsigned';
import { median, printTable, round } from '../lib.mjs';
import { cpuRatio, idle, inFlight, steady } from './load.mjs';

const CONTENDERS = ['shutdown-hooks', 'stoppable', 'http-terminator', 'terminus', 'server.close()'];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

async function repeat(fn) {
  const runs = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await fn());
  const sum = (k) => runs.reduce((a, r) => a + r[k], 0);
  const codes = {};
  for (const r of runs)
    for (const [c, n] of Object.entries(r.codes)) codes[c] = (codes[c] ?? 0) + n;
  return {
    ok: sum('ok'),
    unavailable: sum('unavailable'),
    refused: sum('refused'),
    lost: sum('lost'),
    codes,
    exitMs: median(runs.map((r) => r.exit.ms)),
    killed: runs.filter((r) => r.exit.killed).length,
  };
}

function row(scenario, contender, r) {
  const how = Object.entries(r.codes)
    .map(([c, n]) => `${c}×${n}`)
    .join(' ');
  return [
    scenario,
    contender,
    r.ok,
    r.lost,
    r.refused,
    r.unavailable,
    r.killed ? `${round(r.exitMs, 0)} (SIGKILL ${r.killed}/${REPEATS})` : round(r.exitMs, 0),
    how,
  ];
}

export async function runDrain() {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
  });
  const tls = { key: pems.private, cert: pems.cert };
  const rows = [];
  const scenarios = [
    ['A  50 in-flight 1 s, http', (c) => inFlight(c, 'http', tls)],
    ['A  50 in-flight 1 s, https', (c) => inFlight(c, 'https', tls)],
    ['A  50 in-flight 1 s, http2', (c) => inFlight(c, 'h2', tls)],
    ['B  steady keep-alive load', (c) => steady(c, tls)],
    ['C  100 idle keep-alive', (c) => idle(c, tls)],
  ];
  for (const [name, scenario] of scenarios) {
    for (const contender of CONTENDERS) {
      rows.push(row(name, contender, await repeat(() => scenario(contender))));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  printTable(
    `Drain, Node ${process.version}; requests summed over ${REPEATS} repeats, exit = median ms from SIGTERM to exit`,
    ['scenario', 'contender', 'served', 'lost', 'refused', '503', 'exit ms', 'lost as'],
    rows,
  );

  const cpu = [];
  for (const contender of ['bare', ...CONTENDERS]) {
    const { ratio, bareUs } = await cpuRatio(contender, tls, ROUNDS);
    cpu.push([contender, ratio, bareUs]);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  printTable(
    `D  server CPU per request vs a bare server in the same process, median of ${ROUNDS} alternating bursts of 8,000 pipelined requests ("bare" against itself is the noise floor)`,
    ['contender', 'CPU vs bare', 'bare µs / request', 'target'],
    cpu.map(([c, ratio, us]) => [
      c,
      `${round(ratio, 3)}×`,
      round(us, 1),
      c === 'shutdown-hooks' ? `≤ 1.03× ${ratio <= 1.03 ? 'met' : 'MISSED'}` : '',
    ]),
  );
  return { rows, cpu };
}

if (import.meta.url === `file://${process.argv[1]}`) await runDrain();
