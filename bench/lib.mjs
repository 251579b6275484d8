// Small helpers shared by the benchmarks: medians, child processes, table printing.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installPackage } from '../test/support/containers.mjs';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * The median of `measure(key)` for each key, measured in rounds of one run per key: a machine
 * whose speed drifts during the run (frequency, neighbours) then shifts every key alike, where
 * measuring one key's runs after another's would put the drift into their ratio.
 */
export async function interleavedMedians(keys, rounds, measure) {
  const times = new Map(keys.map((key) => [key, []]));
  for (let i = 0; i < rounds; i++) {
    for (const key of keys) times.get(key).push(await measure(key));
  }
  return Object.fromEntries(keys.map((key) => [key, median(times.get(key))]));
}

export const round = (value, digits = 1) => Number(value.toFixed(digits));

/** Spawns a child and resolves once it prints `ready`. */
export function startChild(args, options = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  let out = '';
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out })),
  );
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
    });
    exited.then(() => reject(new Error(`child exited before ready: ${args.join(' ')}`)));
  });
  return { child, ready, exited };
}

/**
 * Runs a command to completion (`options.command`, else this Node, with `args`); resolves with
 * its wall time in ms and its stdout.
 */
export function timeRun(args, { command = process.execPath, ...options } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      ...options,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve({ ms: performance.now() - start, out })
        : reject(new Error(`${args} exited ${code}`)),
    );
  });
}

export function printTable(title, header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(all[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of all.slice(1)) console.log(line(r));
}

/**
 * Runs `shutdown-hooks rehearse --json` with `args` (after a build) and resolves with its one JSON
 * object; rejects on bad usage (exit 2).
 */
export function rehearseJson(args, env = process.env) {
  const cli = new URL('../dist/cli.js', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    const all = [cli, 'rehearse', '--json', ...args];
    const child = spawn(process.execPath, all, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
    });
    child.on('exit', (code) =>
      code === 2
        ? reject(new Error(`rehearse: bad usage: ${all.join(' ')}`))
        : resolve(JSON.parse(out)),
    );
  });
}

/**
 * The package as a user installs it, in bench/.tmp/install: dist plus production dependencies
 * only, so that dev tools hoisted into this repo (supports-color, say) do not change what loads.
 * Returns the folder.
 */
export function installClean() {
  const dir = fileURLToPath(new URL('./.tmp/install', import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  installPackage(dir);
  return dir;
}
