// A Hono service on Node (@hono/node-server): serve() returns the node:http server, which
// drainHttp() drains; the readiness route asks isShuttingDown().
//   npm install hono @hono/node-server && node examples/hono.mjs
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { configureShutdown, isShuttingDown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp } from 'shutdown-hooks/http';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const app = new Hono();
app.get('/ready', (c) => {
  c.header('cache-control', 'no-store');
  return isShuttingDown() ? c.text('shutting down', 503) : c.text('ok');
});
app.get('/', async (c) => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return c.text(`hello from ${process.pid}\n`);
});

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' },
  (info) => console.log(`listening on http://localhost:${info.port}`),
);
drainHttp(server);
onShutdown('close-db', async () => console.log('database closed'), { priority: Priority.RESOURCE });
