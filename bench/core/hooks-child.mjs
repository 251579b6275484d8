// Child for the machinery benchmark. argv[2]:
//   "library"     1,000 hooks in 10 priorities, each waiting 10 ms, on the default instance;
//   "no-watchdog" the same on an instance given an exit function, which starts no watchdog thread;
//   "baseline"    the same 10 sequential rounds of waits, written by hand on process.on('SIGTERM').
import { setTimeout as sleep } from 'node:timers/promises';

const mode = process.argv[2];
const wait = () => sleep(10);
if (mode === 'library' || mode === 'no-watchdog') {
  const { createShutdown, getDefaultShutdown } = await import('shutdown-hooks');
  const sd =
    mode === 'library'
      ? getDefaultShutdown()
      : createShutdown({ exit: (code) => process.exit(code) });
  for (let p = 0; p < 10; p++) {
    for (let i = 0; i < 100; i++) sd.onShutdown(`hook-${p}-${i}`, wait, { priority: p });
  }
} else {
  process.on('SIGTERM', async () => {
    for (let p = 0; p < 10; p++) await Promise.all(Array.from({ length: 100 }, wait));
    process.exit(0);
  });
}
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
