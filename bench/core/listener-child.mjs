// Child for the "signal → listener closed" benchmark: how long after SIGTERM arrives the server
// stops accepting. A connection that reaches the kernel's accept queue in that window is accepted
// and then reset instead of refused. argv[2]:
//   "library"  drainHttp() on the default instance (watchdog on, the default);
//   "baseline" process.on('SIGTERM', () => server.close()), written by hand.
import { writeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const mode = process.argv[2];
const server = http.createServer((_req, res) => res.end('ok'));
let signalled = 0;
const close = net.Server.prototype.close;
net.Server.prototype.close = function (...args) {
  if (signalled && this === server) {
    writeSync(1, `window ${performance.now() - signalled}\n`);
    signalled = 0;
  }
  return close.apply(this, args);
};
if (mode === 'library') {
  const { drainHttp } = await import('shutdown-hooks/http');
  drainHttp(server);
} else {
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
// Runs first: the moment the signal reaches JavaScript.
process.prependListener('SIGTERM', () => {
  signalled = performance.now();
});
server.listen(0, '127.0.0.1', () => process.stdout.write('ready\n'));
