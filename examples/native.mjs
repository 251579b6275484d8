// A service on the runtime's own server: Bun.serve() on Bun, Deno.serve() on Deno, drained on
// SIGTERM by the runtime's graceful stop after the delay, with a readiness probe.
//   bun examples/native.mjs        deno run -A examples/native.mjs
// then: curl localhost:3000/ready ; kill -TERM <pid>
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp, readinessHandler } from 'shutdown-hooks/http';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

// The probes are fetch handlers too: given a Request, they resolve with a Response.
const ready = readinessHandler();
async function fetch(request) {
  if (new URL(request.url).pathname === '/ready') return ready(request);
  await new Promise((resolve) => setTimeout(resolve, 100));
  return new Response(`hello from ${process.pid}\n`);
}

const port = Number(process.env.PORT ?? 3000);
let server;
if (globalThis.Bun) server = Bun.serve({ port, fetch });
else if (globalThis.Deno) server = Deno.serve({ port, onListen() {} }, fetch);
else
  throw new Error(
    'Bun.serve() and Deno.serve() exist on Bun and Deno: run examples/http.mjs on Node',
  );
drainHttp(server);
onShutdown('close-db', async () => console.log('database closed'), { priority: Priority.RESOURCE });

console.log(`listening on http://localhost:${server.port ?? server.addr.port}`);
