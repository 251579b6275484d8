// A cluster: the primary forks HTTP workers, supervises them and respawns one that dies — but never
// while shutting down. On SIGTERM (or Ctrl-C) the primary forwards the stop to every worker; each
// keeps serving for its delay, drains its server without dropping a request, closes its
// resources, and exits 0; then the primary exits 0. A worker that had to be killed is reported.
//   node examples/cluster.mjs     then: curl localhost:3000/ ; kill -TERM <primary pid>
import cluster from 'node:cluster';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { configureShutdown, isShuttingDown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp, readinessHandler } from 'shutdown-hooks/http';
import { supervise } from 'shutdown-hooks/process';

const WORKERS = Number(process.env.WORKERS ?? Math.min(2, availableParallelism()));

if (cluster.isPrimary) {
  // The workers wait out the endpoint lag themselves: the primary forwards the stop at once.
  configureShutdown({ delay: 0 });
  const start = () => {
    const worker = cluster.fork();
    supervise(worker);
    worker.on('exit', (code, signal) => {
      if (isShuttingDown()) return;
      console.log(`worker ${worker.id} died (${signal ?? `code ${code}`}); starting another`);
      start();
    });
  };
  for (let i = 0; i < WORKERS; i++) start();
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === WORKERS) console.log(`listening on http://localhost:${address.port}`);
  });
  onShutdown('primary', () => console.log('every worker has stopped'), {
    priority: Priority.RESOURCE,
  });
} else {
  configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });
  const ready = readinessHandler();
  const server = http.createServer((req, res) => {
    if (req.url === '/ready') return ready(req, res);
    setTimeout(() => res.end(`hello from worker ${cluster.worker.id}\n`), 100);
  });
  drainHttp(server);
  onShutdown('close-db', () => console.log(`worker ${cluster.worker.id}: database closed`), {
    priority: Priority.RESOURCE,
  });
  server.listen(Number(process.env.PORT ?? 3000));
}
