// The two pictures of docs/deploy.md ("Seeing a rehearsal"): a passing and a failing rehearsal
// of examples/http.mjs, drawn by `rehearse --html` and cut out of its page as SVG files.
//   npm run build && node scripts/rehearsal-pictures.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rehearsal-pictures-'));

for (const [name, delay] of [
  ['pass', '2500'],
  ['fail', '0'],
]) {
  const page = join(dir, `${name}.html`);
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'dist/cli.js'),
      'rehearse',
      '--rate',
      '50',
      '--warmup',
      '1000',
      '--lag',
      '1500',
      '--html',
      page,
      '--',
      process.execPath,
      join(root, 'examples/http.mjs'),
    ],
    { env: { ...process.env, DELAY_MS: delay }, encoding: 'utf8' },
  );
  const svg = /<svg[\s\S]*<\/svg>/.exec(readFileSync(page, 'utf8'))?.[0];
  if (!svg) throw new Error(`no picture in the ${name} page:\n${run.stdout}${run.stderr}`);
  const file = join(root, 'docs/images', `rehearsal-${name}.svg`);
  writeFileSync(file, `${svg}\n`);
  process.stdout.write(`${file}: exit ${run.status} (${name === 'pass' ? 0 : 1} expected)\n`);
}
