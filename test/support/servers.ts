// Servers on port 0 for the HTTP and adapter tests, closed after each test, and instances on a
// fake process that never end it.
import { once } from 'node:events';
import type http from 'node:http';
import { afterEach } from 'vitest';
import { createShutdown, type Shutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** An instance on a fake process that never ends the process. */
export const make = (): Shutdown => createShutdown({ process: createFakeProcess(), exit: false });

/** Listens on a free port of 127.0.0.1; the server is closed after the test. */
export async function listening(server: http.Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}
