// Recipe: Redis with `ioredis`. `quit()` sends QUIT after every command already queued and
// resolves once Redis has answered them all; `disconnect()` would drop what is still in flight.
// A hook at Priority.DEFAULT writes a burst of counters without awaiting each one, as a metrics
// flush does; the client quits after it, at Priority.RESOURCE.
//   REDIS_URL=redis://... node examples/recipes/redis.mjs
import { Redis } from 'ioredis';
import { onShutdown, Priority } from 'shutdown-hooks';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

onShutdown('flush counters', () => {
  // Each INCRBY is queued on the connection and not awaited: quit() below waits for them.
  for (let i = 0; i < Number(process.env.BURST ?? 1000); i++) redis.incrby('flushed', 1);
  console.log('counters queued');
});
onShutdown('redis', () => redis.quit(), { priority: Priority.RESOURCE, timeout: 2000 });

await redis.ping();
console.log('ready');
