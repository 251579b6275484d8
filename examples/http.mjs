// A plain node:http service with a readiness probe, drained on SIGTERM without dropping a request.
//   node examples/http.mjs     then: curl localhost:3000/ready ; kill -TERM <pid>
import http from 'node:http';
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp, preStopHandler, readinessHandler } from 'shutdown-hooks/http';

// Kubernetes: 5 s for the endpoints to drop this pod before the server stops accepting.
configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const ready = readinessHandler();
// For Kubernetes' lifecycle.preStop.httpGet: answers once the delay has passed.
const preStop = preStopHandler();
const server = http.createServer((req, res) => {
  if (req.url === '/ready') return ready(req, res);
  if (req.url === '/pre-stop') return preStop(req, res);
  setTimeout(() => res.end(`hello from ${process.pid}\n`), 100);
});
drainHttp(server);
onShutdown('close-db', async () => console.log('database closed'), { priority: Priority.RESOURCE });

server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
