// Recipe: a BullMQ worker. `worker.close()` fetches no new job from then on and resolves when the
// active ones (and any it had already fetched) have finished. It is called the moment the
// shutdown begins (shutdownSignal), so the worker stops taking work as the process starts
// leaving; the hook at Priority.WORKER waits for that same close, before the Redis connections
// close. A job cut off by SIGKILL would be picked up again
// by another worker after its lock expires; a job finished here is never run twice.
//   REDIS_URL=redis://... node examples/recipes/bullmq.mjs
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { onShutdown, Priority, shutdownSignal } from 'shutdown-hooks';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// BullMQ's blocking connection needs maxRetriesPerRequest: null.
const connection = new Redis(url, { maxRetriesPerRequest: null });
const store = new Redis(url); // where jobs record their work

const worker = new Worker(
  'orders',
  async (job) => {
    console.log(`started ${job.id}`);
    await sleep(job.data.ms ?? 200);
    // HINCRBY, not HSET: a job that ran twice would show 2.
    await store.hincrby('processed', job.id, 1);
  },
  { connection, concurrency: 4 },
);
worker.on('failed', (job, error) => console.error(`job ${job?.id} failed: ${error.message}`));

shutdownSignal.addEventListener('abort', () => {
  console.log('stopping');
  void worker.close(); // close() returns the same promise each time it is called
});
onShutdown('bullmq worker', () => worker.close(), { priority: Priority.WORKER, timeout: 10_000 });
onShutdown('redis', () => Promise.all([connection.quit(), store.quit()]), {
  priority: Priority.RESOURCE,
  timeout: 2000,
});

await worker.waitUntilReady();
console.log('ready');
