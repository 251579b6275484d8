// The http example in TypeScript: a readiness probe, the server drained on SIGTERM without
// dropping a request, the database closed last.
import http from 'node:http';
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp, readinessHandler } from 'shutdown-hooks/http';

// Kubernetes: 5 s for the endpoints to drop this pod before the server stops accepting.
configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const ready = readinessHandler();
const server = http.createServer((req, res) => {
  if (req.url === '/ready') return ready(req, res);
  setTimeout(() => res.end(`hello from ${process.pid}\n`), 100);
});
drainHttp(server);
onShutdown('close-db', async () => console.log('database closed'), { priority: Priority.RESOURCE });

server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on port ${(server.address() as { port: number }).port}`);
});
