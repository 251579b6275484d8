// The image rehearsal table: the http example rehearsed as a command and as container images
// (each way of starting it that docs/deploy.md measures), with the same load and lag, on a real
// engine of its own (dockerd from a temp dir, as the container tests start it). Skipped, with one
// line, where dockerd is not installed or this is not root.
// Run with `npm run bench` (or `node bench/rehearse/images.mjs` after a build).
import { fileURLToPath } from 'node:url';
import {
  buildBaseImage,
  buildImages,
  Engine,
  findDockerd,
} from '../../test/support/containers.mjs';
import { median, printTable, rehearseJson } from '../lib.mjs';

const path = (file) => fileURLToPath(new URL(`../../${file}`, import.meta.url));
const REPEATS = Number(process.env.BENCH_REHEARSALS ?? 3);
const LAG = 2000;
const GRACE = 5000;
const LOAD = ['--rate', '100', '--connections', '20', '--warmup', '1000', '--lag', String(LAG)];

const CASES = [
  {
    name: 'the http example as a command',
    args: ['--', process.execPath, path('examples/http.mjs')],
  },
  { name: 'exec form', args: ['--image', 'sh-test/http'] },
  { name: 'tini as ENTRYPOINT', args: ['--image', 'sh-test/http-tini'] },
  { name: 'a start script with exec', args: ['--image', 'sh-test/http-start-script'] },
  { name: 'multi-stage TypeScript build', args: ['--image', 'sh-test/http-typescript'] },
  { name: 'shell form', args: ['--image', 'sh-test/http-shell-form'] },
  { name: '`npm start` without exec', args: ['--image', 'sh-test/http-npm-start'] },
];

const rehearse = (args, env) =>
  rehearseJson([...LOAD, '--grace', String(GRACE), ...args], {
    ...env,
    DELAY_MS: String(LAG + 1000),
  });

export async function runImageRehearsals() {
  if (!findDockerd()) {
    console.log(
      '\nImage rehearsals skipped: no container engine (apt-get install docker.io, as root)',
    );
    return [];
  }
  const engine = await Engine.start();
  try {
    await buildBaseImage(engine);
    // The images of the container tests, each with the delay the rehearsal needs baked in.
    await buildImages(engine, { DELAY_MS: String(LAG + 1000) });
    const rows = [];
    for (const c of CASES) {
      const runs = [];
      for (let i = 0; i < REPEATS; i++) runs.push(await rehearse(c.args, engine.env));
      const sum = (pick) => runs.reduce((n, r) => n + pick(r), 0);
      rows.push([
        c.name,
        sum((r) => r.requests.sent),
        sum((r) => r.requests.failed),
        runs[0].exit.code ?? runs[0].exit.signal,
        Math.round(median(runs.map((r) => r.exit.ms))),
        runs[0].container?.pid1 ?? '—',
        `${runs.filter((r) => r.verdict === 'pass').length}/${REPEATS}`,
      ]);
    }
    printTable(
      `Image rehearsals, Node ${process.version}: the http example (delay ${LAG + 1000} ms), lag ${LAG} ms, grace ${GRACE} ms, 100 requests/s, summed over ${REPEATS} runs (exit: median ms from the start of termination)`,
      ['how it runs', 'sent', 'failed', 'exit', 'exit ms', 'PID 1', 'pass'],
      rows,
    );
    return rows;
  } finally {
    await engine.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runImageRehearsals();
