// `npm run bench`: every benchmark, each against a baseline measured in the same run.
// BENCH_REPEATS (default 5), BENCH_ROUNDS (default 40) and BENCH_REHEARSALS (default 3) trade time
// for steadier medians.
import { runCore } from './core/run.mjs';
import { runDrain } from './drain/run.mjs';
import { runPm2 } from './platforms/pm2.mjs';
import { runImageRehearsals } from './rehearse/images.mjs';
import { runRehearsals } from './rehearse/run.mjs';
import { runRuntimes } from './runtimes/run.mjs';

await runCore();
await runDrain();
await runRehearsals();
await runImageRehearsals();
await runPm2();
await runRuntimes();
