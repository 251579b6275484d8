// An Express service (Express 4 or 5): readiness route, optional 503 for requests that arrive on a
// kept-alive connection once the drain began, and the drain itself.
//   npm install express && node examples/express.mjs
import { createRequire } from 'node:module';
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp, liveness, readiness, rejectWhileDraining } from 'shutdown-hooks/express';

const require = createRequire(import.meta.url);
// This repository tests Express 4 and 5 side by side under these names; an application simply
// imports 'express'.
const express = require(process.env.EXPRESS_PACKAGE ?? 'express');

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const app = express();
app.use(rejectWhileDraining());
app.get('/ready', readiness());
app.get('/live', liveness()); // stays 200 while draining: no restart of a pod stopping on purpose
app.get('/', (_req, res) => {
  setTimeout(() => res.send(`hello from ${process.pid}\n`), 100);
});

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
drainHttp(server);
onShutdown('close-db', async () => console.log('database closed'), { priority: Priority.RESOURCE });
