// Recipe: WebSocket connections with `ws`. The drain cannot end an upgraded connection by
// itself; it hands each one to `onUpgraded`, which finishes the message being sent, says
// goodbye and closes with 1001 (going away), so that clients reconnect to another replica.
//   node examples/recipes/websocket.mjs
import { once } from 'node:events';
import http from 'node:http';
import { configureShutdown } from 'shutdown-hooks';
import { drainHttp } from 'shutdown-hooks/http';
import { WebSocketServer } from 'ws';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 5000) });

const server = http.createServer((_req, res) => res.end('use a WebSocket\n'));
const wss = new WebSocketServer({ server });
const bySocket = new Map(); // the TCP socket of each connection → its WebSocket
wss.on('connection', (ws, req) => {
  bySocket.set(req.socket, ws);
  ws.on('close', () => bySocket.delete(req.socket));
});

// A large message to every client every 50 ms: a close must never cut one in half.
const payload = 'x'.repeat(Number(process.env.MESSAGE_BYTES ?? 1 << 20));
setInterval(() => {
  for (const ws of wss.clients) ws.send(payload);
}, 50).unref();

drainHttp(server, {
  // Messages already queued go out first: ws sends the close frame after them.
  async onUpgraded({ socket }) {
    const ws = bySocket.get(socket);
    if (!ws) return;
    ws.send('bye');
    ws.close(1001, 'server going away');
    await once(ws, 'close');
  },
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on ws://127.0.0.1:${server.address().port}`);
});
