import http from 'node:http';
import https from 'node:https';

/**
 * How one request ended, as a client sees it:
 * - `ok`: a 2xx or 3xx answer;
 * - `4xx`: a client error, where the same URL answered 2xx or 3xx before termination;
 * - `503`, `5xx`: the service answered with an error;
 * - `refused`: the connection was refused (nothing was sent);
 * - `reset`: the connection was reset;
 * - `unanswered`: the request was written and the connection closed with no answer;
 * - `timeout`: no answer before the rehearsal ended.
 */
export type Outcome = 'ok' | '4xx' | '503' | '5xx' | 'refused' | 'reset' | 'unanswered' | 'timeout';

export const OUTCOMES: readonly Outcome[] = [
  'ok',
  '4xx',
  '503',
  '5xx',
  'refused',
  'reset',
  'unanswered',
  'timeout',
];

export interface LoadResult {
  readonly sent: number;
  /**
   * Requests the rate asked for but never sent, because every connection still waited for an
   * answer: the service answered fewer than `rate` a second. Not failures: a client queue is not
   * the service's doing.
   */
  readonly unsent: number;
  readonly byKind: Readonly<Record<Outcome, number>>;
  /** Ms (on the load's clock) of the last `ok` answer, if any. */
  readonly lastOkAt: number | undefined;
  /** Every request sent: when it was sent and when it ended (on the load's clock), and how. */
  readonly log: readonly RequestLine[];
}

/** One request: sent at, ended at, outcome. */
export type RequestLine = readonly [sentAt: number, endedAt: number, outcome: Outcome];

/**
 * A steady load: `rate` requests a second over at most `connections` keep-alive sockets (or a
 * fresh connection each, with `keepAlive: false`), until `stop()`; `settled()` then waits for
 * every request sent to end (each bounded by `timeout`). A request due while every connection
 * waits for an answer is not sent (and counted as `unsent`): queued in the client, it would reach
 * the service late, or meet its closed listener and count as refused.
 */
export class Load {
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #client: typeof http | typeof https;
  readonly #timeout: number;
  readonly #now: () => number;
  readonly #byKind = Object.fromEntries(OUTCOMES.map((kind) => [kind, 0])) as Record<
    Outcome,
    number
  >;
  readonly #pending = new Set<http.ClientRequest>();
  readonly #log: RequestLine[] = [];
  readonly #connections: number;
  #sent = 0;
  #unsent = 0;
  #lastOkAt: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #drained: (() => void) | undefined;

  constructor(
    url: URL,
    options: { connections: number; timeout: number; now: () => number; keepAlive?: boolean },
  ) {
    this.#url = url;
    this.#client = url.protocol === 'https:' ? https : http;
    this.#agent = new this.#client.Agent({
      keepAlive: options.keepAlive ?? true,
      maxSockets: options.connections,
      ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
    });
    this.#timeout = options.timeout;
    this.#now = options.now;
    this.#connections = options.connections;
  }

  /** Sends `rate` requests a second, in ticks of 10 ms, until `stop()`. */
  start(rate: number): void {
    const tick = 10;
    let due = 0;
    let last = this.#now();
    this.#timer = setInterval(() => {
      const now = this.#now();
      due += ((now - last) * rate) / 1000;
      last = now;
      for (; due >= 1; due -= 1) {
        if (this.#pending.size < this.#connections) this.#send();
        else this.#unsent += 1;
      }
    }, tick);
  }

  /** Stops sending; requests already sent go on. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** Resolves when every request sent has ended. */
  settled(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  /** Ends whatever is still pending as `timeout` and frees the sockets. */
  abandon(): void {
    for (const req of this.#pending) req.destroy(new AbandonedError());
    this.#agent.destroy();
  }

  result(): LoadResult {
    return {
      sent: this.#sent,
      unsent: this.#unsent,
      byKind: { ...this.#byKind },
      lastOkAt: this.#lastOkAt,
      log: [...this.#log],
    };
  }

  #send(): void {
    this.#sent += 1;
    const sentAt = this.#now();
    let written = false;
    let done = false;
    const end = (kind: Outcome) => {
      if (done) return;
      done = true;
      this.#byKind[kind] += 1;
      const now = this.#now();
      this.#log.push([sentAt, now, kind]);
      if (kind === 'ok') this.#lastOkAt = now;
      this.#pending.delete(req);
      if (this.#pending.size === 0) this.#drained?.();
    };
    const req = this.#client.get(
      this.#url,
      { agent: this.#agent, timeout: this.#timeout },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        const kind = outcomeOf(status);
        res.on('end', () => end(kind));
        res.on('error', () => end(kind));
      },
    );
    this.#pending.add(req);
    req.on('finish', () => {
      written = true;
    });
    req.on('timeout', () => req.destroy(new AbandonedError()));
    req.on('error', (error: NodeJS.ErrnoException) => end(classify(error, written)));
  }
}

/** The outcome of an answer with this status. */
export function outcomeOf(status: number): Outcome {
  if (status < 400) return 'ok';
  if (status < 500) return '4xx';
  return status === 503 ? '503' : '5xx';
}

class AbandonedError extends Error {
  readonly code = 'ABANDONED';
}

function classify(error: NodeJS.ErrnoException, written: boolean): Outcome {
  if (error.code === 'ABANDONED') return 'timeout';
  if (error.code === 'ECONNREFUSED') return 'refused';
  // Node's "socket hang up": the connection closed before any answer.
  if (error.message === 'socket hang up') return written ? 'unanswered' : 'reset';
  return 'reset';
}
