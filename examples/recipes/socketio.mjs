// Socket.IO, over WebSocket and over long-polling: every event a handler took is answered (its ack
// sent) before the clients are told to go, and the HTTP drain never waits on a pending poll.
//   npm install socket.io shutdown-hooks
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { configureShutdown, onShutdown, Priority } from 'shutdown-hooks';
import { drainHttp } from 'shutdown-hooks/http';
import { Server } from 'socket.io';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 0) });

const server = http.createServer();
const io = new Server(server);

// Handlers in flight, and who waits for none to be; `closing` once the shutdown's turn came.
let inFlight = 0;
const idle = [];
let closing = false;
io.on('connection', (socket) => {
  socket.on('order', async ({ id, ms }, ack) => {
    console.log(`received ${id}`);
    // Taken by no handler once closing: answered at once, so the client sends it again to
    // another instance, instead of an event that is never answered.
    if (closing) return ack({ id, by: process.pid, retry: true });
    inFlight += 1;
    try {
      await sleep(ms); // the work: a database write, a call to another service
      ack({ id, by: process.pid });
    } finally {
      inFlight -= 1;
      if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
    }
  });
});

// Above the HTTP drain, once the delay is over: new events are answered "retry", the handlers in
// flight finish and their acks go out, then every client is disconnected.
onShutdown(
  'socket.io',
  async (ctx) => {
    closing = true;
    while (inFlight > 0 && !ctx.signal.aborted) {
      await new Promise((resolve) => {
        idle.push(resolve);
        ctx.signal.addEventListener('abort', resolve, { once: true });
      });
    }
    // Each connection closes once what is buffered for it went out: a long-polling client's last
    // acks and its disconnect wait for its next poll. The HTTP drain starts after that.
    const connections = Object.values(io.engine.clients);
    const closed = connections.map((conn) => new Promise((resolve) => conn.once('close', resolve)));
    io.disconnectSockets(true);
    await Promise.race([
      Promise.all(closed),
      new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true })),
    ]);
  },
  { priority: Priority.SERVER + 10 },
);

// A pending long-poll is a request that never ends by itself: handed over, not waited for.
drainHttp(server, { longLived: (req) => req.url?.startsWith('/socket.io/') === true });

server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
