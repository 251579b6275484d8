// `npm run bench`: every benchmark, each against a baseline measured in the same run.
import { runCore } from './core/run.mjs';

await runCore();
