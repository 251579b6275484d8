// A Fastify service (Fastify 4 or 5): the plugin adds GET /ready and drains the server on SIGTERM,
// then calls fastify.close() so the onClose hooks run after the last request.
//   npm install fastify && node examples/fastify.mjs
import { createRequire } from 'node:module';
import { shutdownHooks } from 'shutdown-hooks/fastify';

const require = createRequire(import.meta.url);
// This repository tests Fastify 4 and 5 side by side; an application simply imports 'fastify'.
const fastify = require(process.env.FASTIFY_PACKAGE ?? 'fastify');

const app = fastify();
await app.register(shutdownHooks, { delay: Number(process.env.DELAY_MS ?? 5000) });
app.addHook('onClose', async () => console.log('database closed'));
app.get('/', async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return `hello from ${process.pid}\n`;
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on http://localhost:${app.server.address().port}`);
