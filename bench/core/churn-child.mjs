// Child for the registration-churn benchmark: 100,000 cycles of registering and unregistering a
// hook, with the registry otherwise empty ("alone") and beside one hook kept registered
// ("beside"). Prints {"alone": ms, "beside": ms}.
import { createShutdown } from 'shutdown-hooks';

const CYCLES = 100_000;
const time = (sd) => {
  const start = performance.now();
  for (let i = 0; i < CYCLES; i++) sd.onShutdown('job', () => {})();
  return performance.now() - start;
};
const lone = createShutdown({ exit: false });
const other = createShutdown({ exit: false });
const keep = other.onShutdown('kept', () => {});
// Warm both paths first, so that neither pays for compiling the code.
time(lone);
time(other);
// Alternate the two, and keep the faster of three runs each: the noise here is the GC.
let alone = Number.POSITIVE_INFINITY;
let beside = Number.POSITIVE_INFINITY;
for (let i = 0; i < 3; i++) {
  beside = Math.min(beside, time(other));
  alone = Math.min(alone, time(lone));
}
keep();
process.stdout.write(`${JSON.stringify({ alone, beside })}\n`);
