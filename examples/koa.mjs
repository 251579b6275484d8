// A Koa service: Koa's app.callback() is a node:http handler, so drainHttp() drains its server
// and readinessHandler() answers the probe, as for any node:http service.
//   npm install koa && node examples/koa.mjs
import http from 'node:http';
import Koa from 'koa';
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp, readinessHandler } from 'shutdown-hooks/http';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const ready = readinessHandler();
const app = new Koa();
app.use(async (ctx, next) => {
  if (ctx.path !== '/ready') return next();
  ctx.respond = false; // the probe answers on Node's own response
  ready(ctx.req, ctx.res);
});
app.use(async (ctx) => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  ctx.body = `hello from ${process.pid}\n`;
});

// app.listen() would create this server itself; create it here to hand it to drainHttp().
const server = http.createServer(app.callback());
drainHttp(server);
onShutdown('close-db', async () => console.log('database closed'), { priority: Priority.RESOURCE });

server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
