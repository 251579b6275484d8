// Core benchmarks: (a) the machinery's own cost from SIGTERM to exit, (b) import cost,
// (c) heap per registered hook, (d) time from SIGTERM to the listener closing, (e) the cost of
// registering and unregistering a hook with the registry otherwise empty. Each is a median over repeats, against a baseline from the same run.
import { fileURLToPath } from 'node:url';
import {
  installClean,
  interleavedMedians,
  median,
  printTable,
  round,
  startChild,
  timeRun,
} from '../lib.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 15);

async function sigtermToExit(mode) {
  const times = [];
  for (let i = 0; i < REPEATS; i++) {
    const { child, ready, exited } = startChild([here('./hooks-child.mjs'), mode]);
    await ready;
    const start = performance.now();
    child.kill('SIGTERM');
    const { code } = await exited;
    if (code !== 0) throw new Error(`${mode} child exited ${code}`);
    times.push(performance.now() - start);
  }
  return median(times);
}

async function listenerWindow(mode) {
  const windows = [];
  for (let i = 0; i < REPEATS; i++) {
    const { child, ready, exited } = startChild([here('./listener-child.mjs'), mode]);
    await ready;
    child.kill('SIGTERM');
    const { code, out } = await exited;
    const window = /window ([\d.]+)/.exec(out);
    if (code !== 0 || !window) throw new Error(`${mode} listener child exited ${code}: ${out}`);
    windows.push(Number(window[1]));
  }
  return median(windows);
}

async function churn() {
  const runs = [];
  for (let i = 0; i < 5; i++)
    runs.push(JSON.parse((await timeRun([here('./churn-child.mjs')])).out));
  return { alone: median(runs.map((r) => r.alone)), beside: median(runs.map((r) => r.beside)) };
}

async function importCost() {
  // Measured on the package as a user installs it: dist plus production dependencies only, so
  // that dev tools hoisted into this repo (supports-color, say) do not change what debug loads.
  const dir = installClean();
  const empty = [];
  const lib = [];
  const registered = [];
  const run = (code) => timeRun(['-e', code], { cwd: dir });
  for (let i = 0; i < REPEATS * 2; i++) {
    empty.push((await run('0')).ms);
    lib.push((await run("require('shutdown-hooks')")).ms);
    // process.exit() so the natural-exit shutdown (which would start the watchdog) is not timed.
    registered.push(
      (await run("require('shutdown-hooks').onShutdown('x', () => {}); process.exit(0)")).ms,
    );
  }
  // In-process, the path users take (`import`), and `require`, each against importing p-timeout
  // alone (a tiny ESM package) the same way, in fresh processes.
  const inProcess = await interleavedMedians(
    ['esm shutdown-hooks', 'esm p-timeout', 'cjs shutdown-hooks', 'cjs eventemitter3'],
    REPEATS * 2,
    async (key) => {
      const { out } = await timeRun([here('./import-child.mjs'), ...key.split(' ')], { cwd: dir });
      return Number(out);
    },
  );
  return { empty: median(empty), lib: median(lib), registered: median(registered), inProcess };
}

async function heapPerHook() {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const { out } = await timeRun(['--expose-gc', here('./heap-child.mjs')]);
    runs.push(JSON.parse(out).bytesPerHook);
  }
  return median(runs);
}

export async function runCore() {
  const criticalPath = 100;
  const baseline = await sigtermToExit('baseline');
  const noWatchdog = await sigtermToExit('no-watchdog');
  const library = await sigtermToExit('library');
  const imports = await importCost();
  const heap = await heapPerHook();
  const windowBare = await listenerWindow('baseline');
  const windowLibrary = await listenerWindow('library');
  const cycles = await churn();
  const ms = (v) => `${round(v)} ms`;
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  const rows = [
    [
      '(a) SIGTERM→exit, hand-written baseline',
      ms(baseline),
      `${round(baseline - criticalPath)} ms over the 100 ms path`,
      '',
      '',
    ],
    [
      '(a) shutdown-hooks, no watchdog thread',
      ms(noWatchdog),
      `+${round(noWatchdog - baseline)} ms vs baseline (${round(noWatchdog / baseline, 3)}×)`,
      '≤ 5 ms',
      verdict(noWatchdog - baseline <= 5),
    ],
    [
      '(a) shutdown-hooks, default (with watchdog)',
      ms(library),
      `+${round(library - baseline)} ms vs baseline (${round(library / baseline, 3)}×)`,
      '≤ 5 ms',
      verdict(library - baseline <= 5),
    ],
    ['(b) node -e 0', ms(imports.empty), '', '', ''],
    [
      "(b) in-process import('p-timeout'), the baseline",
      ms(imports.inProcess['esm p-timeout']),
      '',
      '',
      '',
    ],
    [
      "(b) in-process import('shutdown-hooks')",
      ms(imports.inProcess['esm shutdown-hooks']),
      `${round(imports.inProcess['esm shutdown-hooks'] / imports.inProcess['esm p-timeout'], 2)}× p-timeout`,
      '≤ 2×',
      verdict(imports.inProcess['esm shutdown-hooks'] <= 2 * imports.inProcess['esm p-timeout']),
    ],
    [
      "(b) in-process require('eventemitter3'), the CJS baseline",
      ms(imports.inProcess['cjs eventemitter3']),
      '',
      '',
      '',
    ],
    [
      "(b) in-process require('shutdown-hooks')",
      ms(imports.inProcess['cjs shutdown-hooks']),
      `${round(imports.inProcess['cjs shutdown-hooks'] / imports.inProcess['cjs eventemitter3'], 2)}× eventemitter3`,
      '',
      '',
    ],
    [
      '(b) node -e "require(\'shutdown-hooks\')"',
      ms(imports.lib),
      `+${round(imports.lib - imports.empty)} ms (${round(imports.lib / imports.empty, 3)}×)`,
      '≤ 10 ms',
      verdict(imports.lib - imports.empty <= 10),
    ],
    [
      '(b) … plus registering one hook (loads debug, adds listeners)',
      ms(imports.registered),
      `+${round(imports.registered - imports.empty)} ms`,
      '',
      '',
    ],
    [
      '(c) heap per registered hook',
      `${round(heap, 0)} B`,
      `${round(heap / 1024, 2)} KB`,
      '≤ 1 KB',
      verdict(heap <= 1024),
    ],
    ['(d) SIGTERM→listener closed, hand-written server.close()', ms(windowBare), '', '', ''],
    [
      '(d) shutdown-hooks drainHttp(), default (watchdog on)',
      ms(windowLibrary),
      `+${round(windowLibrary - windowBare, 2)} ms vs baseline`,
      '',
      '',
    ],
    ['(e) 100,000 register/unregister cycles beside a kept hook', ms(cycles.beside), '', '', ''],
    [
      '(e) the same with the registry otherwise empty',
      ms(cycles.alone),
      `${round(cycles.alone / cycles.beside, 2)}× the kept-hook case`,
      '≤ 2×',
      verdict(cycles.alone / cycles.beside <= 2),
    ],
  ];
  printTable(
    `Core, Node ${process.version}, medians of ${REPEATS} runs ((a): 1,000 hooks in 10 priorities, 10 ms each)`,
    ['measure', 'median', 'cost', 'target', ''],
    rows,
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runCore();
