import { createShutdown } from 'shutdown-hooks';
import { setTimeout as sleep } from 'node:timers/promises';
for (let r = 0; r < 12; r++) {
  const sd = createShutdown({ exit: false });
  for (let p = 0; p < 10; p++) for (let i = 0; i < 100; i++) sd.onShutdown(`h${p}-${i}`, () => sleep(10), { priority: p });
  const t = performance.now();
  await sd.shutdown();
  const a = performance.now() - t;
  const t2 = performance.now();
  for (let p = 0; p < 10; p++) await Promise.all(Array.from({ length: 100 }, () => sleep(10)));
  console.log('lib', a.toFixed(1), 'hand', (performance.now() - t2).toFixed(1));
}
