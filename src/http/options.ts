import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { shutdownOption } from '../core/default.js';
import { Priority } from '../core/priority.js';
import type { Shutdown } from '../core/shutdown.js';
import {
  describe,
  optionKeys,
  validateFunction,
  validateMs,
  validateName,
  validateNumber,
  validateOptions,
} from '../core/validate.js';

/** A long-lived connection the drain cannot finish by itself: it asks the application to close it. */
export type LongLivedConnection =
  | {
      /** A socket taken over by an `upgrade` listener (WebSocket and the like). */
      readonly kind: 'upgrade';
      readonly socket: Duplex;
      readonly request: IncomingMessage;
    }
  | {
      /** A response still streaming with `Content-Type: text/event-stream` (server-sent events). */
      readonly kind: 'event-stream';
      readonly socket: Duplex;
      readonly request: IncomingMessage;
      readonly response: ServerResponse;
    }
  | {
      /** A response the `longLived` option picked out: a long-poll, a streamed download. */
      readonly kind: 'long-lived';
      readonly socket: Duplex;
      readonly request: IncomingMessage;
      readonly response: ServerResponse;
    };

export interface DrainOptions {
  /**
   * Priority of the drain hook. Servers drain first so nothing new arrives for the hooks after.
   * @default Priority.SERVER (300)
   */
  readonly priority?: number;
  /**
   * Deadline of the drain in ms, its `delay` included (so it must be longer than the delay); when
   * it passes, every connection left is destroyed.
   * @default its delay, then the instance's `hookTimeout`, else 75 % of the global time left after
   * its delay when hooks of lower priority follow (the rest is theirs), else all of it
   */
  readonly timeout?: number;
  /**
   * Ms from the start of the shutdown during which this server keeps serving normally (readiness
   * already answers 503), before it stops accepting. It replaces the instance's `delay` for this
   * drain, and never adds to it; it must be less than the instance's `timeout`.
   * @default the instance's `delay`
   */
  readonly delay?: number;
  /**
   * How long a keep-alive socket must have been quiet (no request in flight, no byte received)
   * before it is closed as idle. A socket that carries traffic is instead closed right after its
   * next response, which says `Connection: close`; this wait keeps the drain from closing a socket
   * under a request the client is sending at that moment.
   * @default 250
   */
  readonly idleGrace?: number;
  /**
   * Called once per upgraded socket (WebSocket), per streaming `text/event-stream` response and
   * per request `longLived` picks out, when the drain begins and for any that appear during it, so
   * the application can close them properly (a WebSocket close frame, a last event). Without it,
   * upgraded sockets are ended, and the responses are ended with `res.end()`.
   */
  readonly onUpgraded?: (connection: LongLivedConnection) => void | Promise<void>;
  /**
   * Picks out the requests that stay open by design without being an upgrade: long-polling
   * (Socket.IO's and engine.io's polling transport), streamed responses. Those still open when the
   * drain begins (or that arrive during it) are handed to `onUpgraded` as `'long-lived'`, or
   * ended with `res.end()` without it, instead of holding the drain to its deadline.
   * @default none: only upgrades and `text/event-stream` responses are long-lived
   */
  readonly longLived?: (request: IncomingMessage) => boolean;
  /**
   * Name of the hook in the report.
   * @default 'drain http' (or https, http2)
   */
  readonly name?: string;
  /**
   * The instance to register on.
   * @default the process-wide instance
   */
  readonly shutdown?: Shutdown;
}

export const DRAIN_DEFAULTS = Object.freeze({
  priority: Priority.SERVER,
  idleGrace: 250,
  /**
   * Without a `timeout` of its own, the share of the global time left after its delay that a
   * drain may use when hooks of lower priority follow: one WebSocket peer that never answers must
   * not skip them all.
   */
  share: 0.75,
});

/** Every key of `DrainOptions`, as a table adapters spread into their own. */
export const DRAIN_KEYS: Readonly<Record<keyof DrainOptions, true>> = Object.freeze({
  priority: true,
  timeout: true,
  delay: true,
  idleGrace: true,
  onUpgraded: true,
  longLived: true,
  name: true,
  shutdown: true,
});
export const DRAIN_OPTION_KEYS = optionKeys<DrainOptions>(DRAIN_KEYS);

export interface ResolvedDrainOptions {
  readonly priority: number;
  /** The drain's own deadline, its delay included; `undefined`: its share of the time left. */
  readonly timeout: number | undefined;
  /** The drain's own delay, in place of the instance's; `undefined`: the instance's. */
  readonly delay: number | undefined;
  readonly idleGrace: number;
  readonly onUpgraded: DrainOptions['onUpgraded'];
  readonly longLived: DrainOptions['longLived'];
  readonly name: string | undefined;
  /** The instance to register on, the process-wide one unless given. */
  readonly shutdown: Shutdown;
}

/** Validates a drain's options (an adapter passes the drain's part of its own). */
export function resolveDrainOptions(input: unknown): ResolvedDrainOptions {
  const o = validateOptions<DrainOptions>(input, 'options', DRAIN_OPTION_KEYS);
  const timeout = o.timeout === undefined ? undefined : validateMs(o.timeout, 'timeout');
  const delay =
    o.delay === undefined ? undefined : validateMs(o.delay, 'delay', { allowZero: true });
  if ((delay ?? 0) >= (timeout ?? Number.POSITIVE_INFINITY)) {
    // The drain's timeout counts from the start of the shutdown, its delay included.
    throw new TypeError(
      `Expected \`delay\` (${delay}) to be less than \`timeout\` (${timeout}): the drain's timeout includes its delay, so the server would never drain. Raise \`timeout\` as well.`,
    );
  }
  return {
    priority:
      o.priority === undefined ? DRAIN_DEFAULTS.priority : validateNumber(o.priority, 'priority'),
    timeout,
    delay,
    idleGrace:
      o.idleGrace === undefined
        ? DRAIN_DEFAULTS.idleGrace
        : validateMs(o.idleGrace, 'idleGrace', { allowZero: true }),
    onUpgraded:
      o.onUpgraded === undefined
        ? undefined
        : validateFunction<NonNullable<DrainOptions['onUpgraded']>>(o.onUpgraded, 'onUpgraded'),
    longLived:
      o.longLived === undefined
        ? undefined
        : validateFunction<NonNullable<DrainOptions['longLived']>>(o.longLived, 'longLived'),
    name: o.name === undefined ? undefined : validateName(o.name, 'name'),
    shutdown: shutdownOption(o.shutdown),
  };
}

/** A route option of an adapter: a path starting with `/`, or `false` for no route. */
export function validateRoutePath(
  value: unknown,
  fallback: string | false,
  option: string,
): string | false {
  const path = value === undefined ? fallback : value;
  if (path !== false && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new TypeError(
      `Expected \`${option}\` to be a path like "/ready" or false, got ${describe(path)}`,
    );
  }
  return path;
}
