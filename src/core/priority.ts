/**
 * Named priority levels. Higher runs first; hooks of equal priority run concurrently. Any number
 * works: `Priority.SERVER - 1` runs just after the servers have drained.
 *
 * @example
 * onShutdown('http', () => drain(server), { priority: Priority.SERVER });
 * onShutdown('db', () => pool.end(), { priority: Priority.RESOURCE });
 */
export const Priority = Object.freeze({
  /** Stop accepting work and drain HTTP servers, sockets and RPC endpoints. */
  SERVER: 300,
  /** Stop background workers, consumers and schedulers once no new requests arrive. */
  WORKER: 200,
  /** Everything else: flush queues and buffers, finish in-process jobs. The default. */
  DEFAULT: 100,
  /** Close what the others still use: databases, caches, brokers, telemetry and loggers. */
  RESOURCE: 0,
});

export type PriorityName = keyof typeof Priority;
