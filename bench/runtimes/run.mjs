// The runtimes benchmark: the same measurements on Node (this process's), Bun and Deno (binaries
// from the registry, scripts/runtime-binary.mjs), in one run.
// (a) Import cost, in-process: `await import('shutdown-hooks')` against `await import('p-timeout')`
//     on the same runtime, medians of fresh processes, from the package as a user installs it.
// (b) The drain scenario A of bench/drain (50 requests of 1 s in flight, SIGTERM 200 ms after
//     they were sent) on each runtime's node:http server, and on Bun.serve() and Deno.serve(),
//     each with shutdown-hooks and with the runtime's own close.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeBinary } from '../../scripts/runtime-binary.mjs';
import { inFlight } from '../drain/load.mjs';
import { installClean, interleavedMedians, median, printTable, round, timeRun } from '../lib.mjs';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Each runtime, the command that runs a script on it, and its version. */
function runtimes() {
  const bun = runtimeBinary('bun');
  const deno = runtimeBinary('deno');
  return [
    { name: `Node ${process.version}`, run: [process.execPath], native: false },
    { name: 'Bun', run: [bun], native: true },
    { name: 'Deno', run: [deno, 'run', '-A'], native: true },
  ];
}

async function importCost(runtime, dir) {
  const child = join(dir, 'import-child.mjs');
  copyFileSync(here('../core/import-child.mjs'), child);
  const [command, ...prefix] = runtime.run;
  return interleavedMedians(['shutdown-hooks', 'p-timeout'], REPEATS * 2, async (name) => {
    const { out } = await timeRun([...prefix, child, 'esm', name], { cwd: dir, command });
    return Number(out);
  });
}

async function drain(runtime, protocol, contender) {
  let ok = 0;
  let lost = 0;
  let refused = 0;
  const exits = [];
  for (let i = 0; i < REPEATS; i++) {
    const r = await inFlight(contender, protocol, {}, runtime.run);
    ok += r.ok;
    lost += r.lost + r.unavailable;
    refused += r.refused;
    exits.push(r.exit.ms);
  }
  return { ok, lost, refused, exitMs: median(exits) };
}

export async function runRuntimes() {
  const dir = installClean();
  const list = runtimes();
  const imports = [];
  const drains = [];
  for (const runtime of list) {
    const cost = await importCost(runtime, dir);
    imports.push([
      runtime.name,
      round(cost['p-timeout'], 2),
      round(cost['shutdown-hooks'], 2),
      `${round(cost['shutdown-hooks'] / cost['p-timeout'], 2)}×`,
    ]);
    process.stderr.write('.');
    const servers = [['node:http', 'http']];
    if (runtime.native)
      servers.push([runtime.name === 'Bun' ? 'Bun.serve()' : 'Deno.serve()', 'native']);
    for (const [server, protocol] of servers) {
      for (const contender of ['shutdown-hooks', 'server.close()']) {
        const r = await drain(runtime, protocol, contender);
        drains.push([runtime.name, server, contender, r.ok, r.lost, r.refused, round(r.exitMs, 0)]);
        process.stderr.write('.');
      }
    }
  }
  process.stderr.write('\n');
  printTable(
    `Runtimes (a): in-process import, median ms of ${REPEATS * 2} fresh processes each, against importing p-timeout alone on the same runtime`,
    ['runtime', "import('p-timeout') ms", "import('shutdown-hooks') ms", 'ratio'],
    imports,
  );
  printTable(
    `Runtimes (b): 50 requests of 1 s in flight, SIGTERM after 200 ms; requests summed over ${REPEATS} repeats, exit = median ms from SIGTERM to exit ("server.close()": the runtime's own close or stop, then exit)`,
    ['runtime', 'server', 'contender', 'served', 'lost', 'refused', 'exit ms'],
    drains,
  );
  return { imports, drains };
}

if (import.meta.url === `file://${process.argv[1]}`) await runRuntimes();
