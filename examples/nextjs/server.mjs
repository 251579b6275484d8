// A custom server: the server is the app's own, so it is drained like any node:http server.
//   npm run build && node server.mjs
import http from 'node:http';
import next from 'next';
import { configureShutdown } from 'shutdown-hooks';
import { drainHttp } from 'shutdown-hooks/http';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const app = next({ dev: false, dir: import.meta.dirname });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => handle(req, res));
drainHttp(server);
server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
