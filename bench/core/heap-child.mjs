// Child for the memory benchmark (run with --expose-gc): heap growth per registered hook.
import { createShutdown } from 'shutdown-hooks';

const count = 20_000;
const hook = () => {};
const sd = createShutdown({ exit: false });
const names = Array.from({ length: count }, (_, i) => `hook-${i}`);
const offs = [];
globalThis.gc();
globalThis.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < count; i++) offs.push(sd.onShutdown(names[i], hook, { priority: i % 10 }));
globalThis.gc();
globalThis.gc();
const after = process.memoryUsage().heapUsed;
sd.uninstall();
process.stdout.write(
  `${JSON.stringify({ bytesPerHook: (after - before) / count, kept: offs.length })}\n`,
);
