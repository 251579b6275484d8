// gRPC with @grpc/grpc-js: calls in flight finish, server streams end cleanly, and the hook ends
// before its deadline, forcing what is left, so a clean stop is never reported as a timeout.
//   npm install @grpc/grpc-js @grpc/proto-loader shutdown-hooks
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { configureShutdown, onShutdown, Priority, shutdownSignal } from 'shutdown-hooks';

configureShutdown({ delay: Number(process.env.DELAY_MS ?? 0) });

const proto = fileURLToPath(new URL('./orders.proto', import.meta.url));
const { orders } = grpc.loadPackageDefinition(protoLoader.loadSync(proto));

const server = new grpc.Server();
server.addService(orders.Orders.service, {
  // A unary call: the work, then the answer.
  async Place(call, callback) {
    await sleep(call.request.ms);
    callback(null, { id: call.request.id, pid: process.pid });
  },
  // A server stream never ends by itself: it ends when the shutdown begins (after what it was
  // writing), so that tryShutdown() is not held until it is forced.
  Watch(call) {
    const timer = setInterval(() => call.write({ id: call.request.id, pid: process.pid }), 50);
    const end = () => {
      clearInterval(timer);
      call.end();
    };
    if (shutdownSignal.aborted) return end();
    shutdownSignal.addEventListener('abort', end, { once: true });
    call.on('cancelled', () => {
      clearInterval(timer);
      shutdownSignal.removeEventListener('abort', end);
    });
  },
});

// tryShutdown() stops taking calls and waits for those in flight. Whatever is left is forced a
// margin before the hook's deadline, and the hook still ends in time: `ok`, not `timeout`.
onShutdown(
  'grpc',
  (ctx) =>
    new Promise((resolve) => {
      const margin = Math.min(500, ctx.timeLeft() / 10);
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, ctx.timeLeft() - margin);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    }),
  { priority: Priority.SERVER },
);

const port = Number(process.env.PORT ?? 50051);
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) throw error;
  console.log(`listening on 127.0.0.1:${bound}`);
});
