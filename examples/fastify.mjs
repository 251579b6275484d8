// A Fastify service (Fastify 4 or 5): the plugin adds GET /ready and drains the server on SIGTERM.
// Fastify's onClose hooks (where the database plugin closes its pool) run at Priority.RESOURCE,
// after the app's own hooks, so the audit buffer below is flushed while the pool is still open.
//   npm install fastify && node examples/fastify.mjs
import { createRequire } from 'node:module';
import { onShutdown } from 'shutdown-hooks';
import { shutdownHooks } from 'shutdown-hooks/fastify';

const require = createRequire(import.meta.url);
// This repository tests Fastify 4 and 5 side by side; an application simply imports 'fastify'.
const fastify = require(process.env.FASTIFY_PACKAGE ?? 'fastify');

// A stand-in for a database pool: writing to it after end() fails.
const pool = {
  open: true,
  rows: 0,
  insert(count) {
    if (!this.open) throw new Error('pool has ended');
    this.rows += count;
  },
  end() {
    this.open = false;
  },
};
const audit = []; // audit rows, written in batches

const app = fastify();
await app.register(shutdownHooks, { delay: Number(process.env.DELAY_MS ?? 5000) });
app.addHook('onClose', async () => {
  pool.end();
  console.log(`database closed (${pool.rows} audit rows written)`);
});
app.get('/', async (request) => {
  audit.push({ at: Date.now(), url: request.url });
  await new Promise((resolve) => setTimeout(resolve, 100));
  return `hello from ${process.pid}\n`;
});
// Priority.DEFAULT: after the drain (no new requests), before Fastify's onClose.
onShutdown('flush audit rows', () => {
  pool.insert(audit.splice(0).length);
  console.log('audit rows flushed');
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on http://localhost:${app.server.address().port}`);
