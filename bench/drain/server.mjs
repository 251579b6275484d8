// A server child for the drain benchmark: `node server.mjs <contender> <protocol>`; on Bun and
// Deno, protocol "native" serves with Bun.serve() or Deno.serve().
// Every contender serves the same handler (GET /?ms=N answers "ok" after N ms) and is stopped by
// SIGTERM the way its documentation shows. It prints "ready <port>" once listening, on the port
// in PORT when that is set (as `shutdown-hooks rehearse` sets it), else on a free one.
// With protocol "paired" it runs two plain HTTP servers in this one process, a bare one and one
// set up by the contender, and prints "ready <bare port> <contender port>": the per-request cost
// is then compared burst by burst under the same conditions. It answers the "cpu" IPC message
// with its CPU time.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [contender, protocol] = process.argv.slice(2);
const GRACE = 5000;
const tls = { key: process.env.BENCH_KEY, cert: process.env.BENCH_CERT };

function handler(req, res) {
  const q = req.url.indexOf('ms=');
  const ms = q === -1 ? 0 : Number(req.url.slice(q + 3));
  if (ms === 0) res.end('ok');
  else setTimeout(() => res.end('ok'), ms);
}

async function setup(server) {
  switch (contender) {
    case 'shutdown-hooks': {
      const { drainHttp } = await import('shutdown-hooks/http');
      drainHttp(server);
      break;
    }
    case 'stoppable': {
      const stoppable = require('stoppable');
      stoppable(server, GRACE);
      process.on('SIGTERM', () => server.stop(() => process.exit(0)));
      break;
    }
    case 'http-terminator': {
      const { createHttpTerminator } = require('http-terminator');
      const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: GRACE });
      process.on('SIGTERM', () => terminator.terminate().then(() => process.exit(0)));
      break;
    }
    case 'terminus': {
      const { createTerminus } = require('@godaddy/terminus');
      createTerminus(server, { signals: ['SIGTERM'], timeout: GRACE, onSignal: async () => {} });
      break;
    }
    case 'server.close()':
      process.on('SIGTERM', () => server.close(() => process.exit(0)));
      break;
    case 'bare':
      break;
    default:
      throw new Error(`unknown contender ${contender}`);
  }
}

const listen = (server, port = 0) =>
  new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)));

process.on('message', (message) => {
  if (message === 'exit') process.exit(0);
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  }
});

/** The runtime's own server (Bun.serve(), Deno.serve()), with the same handler, drained or closed. */
async function serveNative(port) {
  const fetch = async (request) => {
    const q = request.url.indexOf('ms=');
    const ms = q === -1 ? 0 : Number(request.url.slice(q + 3));
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return new Response('ok');
  };
  const server = globalThis.Bun
    ? globalThis.Bun.serve({ port, hostname: '127.0.0.1', fetch })
    : globalThis.Deno.serve({ port, hostname: '127.0.0.1', onListen() {} }, fetch);
  if (contender === 'shutdown-hooks') {
    const { drainHttp } = await import('shutdown-hooks/http');
    drainHttp(server);
  } else if (contender === 'server.close()') {
    const stop = () => (globalThis.Bun ? server.stop(false) : server.shutdown());
    process.on('SIGTERM', () => stop().then(() => process.exit(0)));
  } else throw new Error(`${contender} does not take a ${protocol} server`);
  return globalThis.Bun ? server.port : server.addr.port;
}

if (protocol === 'native') {
  process.stdout.write(`ready ${await serveNative(Number(process.env.PORT ?? 0))}\n`);
} else if (protocol === 'paired') {
  const bare = http.createServer(handler);
  const measured = http.createServer(handler);
  await setup(measured);
  process.stdout.write(`ready ${await listen(bare)} ${await listen(measured)}\n`);
} else {
  const server =
    protocol === 'https'
      ? https.createServer(tls, handler)
      : protocol === 'h2'
        ? http2.createSecureServer(tls, handler)
        : http.createServer(handler);
  await setup(server);
  process.stdout.write(`ready ${await listen(server, Number(process.env.PORT ?? 0))}\n`);
}
