// A raw TCP client for socket-level tests: exact bytes out, everything received kept as text.
import { once } from 'node:events';
import { connect, type Server, type Socket } from 'node:net';
import { expect } from 'vitest';

export interface RawClient {
  readonly socket: Socket;
  /** Everything received since the last `clear()`. */
  received(): string;
  clear(): void;
  /** Sends raw bytes and waits for a complete "ok" response (unless `wait` is false). */
  send(bytes: string, wait?: boolean): Promise<void>;
}

/** Listens on port 0 (if not yet listening) and opens one raw TCP connection to `srv`. */
export async function rawClient(srv: Server): Promise<RawClient> {
  if (!srv.listening) {
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
  }
  const socket = connect((srv.address() as { port: number }).port, '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  await once(socket, 'connect');
  return {
    socket,
    received: () => text,
    clear: () => {
      text = '';
    },
    async send(bytes, wait = true) {
      socket.write(bytes);
      if (wait) await until(() => text.includes('\r\n\r\nok'));
    },
  };
}

/** Waits, one event-loop turn at a time, until `check` holds (bounded). */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  expect(check()).toBe(true);
}
