import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { shutdownOption } from '../core/default.js';
import { Priority } from '../core/priority.js';
import { HOOK_TRAITS, type HookTraits } from '../core/registry.js';
import type { Shutdown } from '../core/shutdown.js';
import type { HookOptions } from '../core/types.js';
import {
  describe,
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
    };

export interface DrainOptions {
  /**
   * Priority of the drain hook. Servers drain first so nothing new arrives for the hooks after.
   * @default Priority.SERVER (300)
   */
  readonly priority?: number;
  /**
   * Deadline of the drain hook in ms; when it passes, every connection left is destroyed.
   * @default the instance's `hookTimeout`, else 75 % of what is left of the global `timeout`
   * when hooks of lower priority follow (the rest is theirs), else all of it
   */
  readonly timeout?: number;
  /**
   * Ms to keep serving normally after the hook starts, before the server stops accepting.
   * (The instance's own `delay` applies before any hook; this one is per server.)
   * @default 0
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
   * Called once per upgraded socket (WebSocket) and per streaming `text/event-stream` response when
   * the drain begins, and for any that appear during it, so the application can close them
   * properly (a WebSocket close frame, a last event). Without it, upgraded sockets are ended and
   * event streams are ended with `res.end()`.
   */
  readonly onUpgraded?: (connection: LongLivedConnection) => void | Promise<void>;
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
  delay: 0,
  idleGrace: 250,
  /**
   * Without a `timeout` of its own, the share of the global time left that a drain may use when
   * hooks of lower priority follow: one WebSocket peer that never answers must not skip them all.
   */
  share: 0.75,
});

/** How the core treats a drain hook: its default deadline, its early start, its timeout advice. */
const DRAIN_TRAITS: HookTraits = Object.freeze({
  share: DRAIN_DEFAULTS.share,
  quickStart: true,
  timeoutAdvice:
    'The connections still open were destroyed: close WebSockets and event streams in `onUpgraded`, or give the drain a longer `timeout`.',
});

/** The drain hook's options for `onShutdown()`: priority, timeout and the drain's traits. */
export type DrainHookOptions = HookOptions & { readonly [HOOK_TRAITS]: HookTraits };

export interface ResolvedDrainOptions {
  /** The drain hook's priority and timeout, as `onShutdown()` takes them. */
  readonly hook: DrainHookOptions;
  readonly delay: number;
  readonly idleGrace: number;
  readonly onUpgraded: DrainOptions['onUpgraded'];
  readonly name: string | undefined;
  /** The instance to register on, the process-wide one unless given. */
  readonly shutdown: Shutdown;
}

export function resolveDrainOptions(input: unknown): ResolvedDrainOptions {
  const o = validateOptions<DrainOptions>(input, 'options');
  const shutdown = shutdownOption(o.shutdown);
  const priority =
    o.priority === undefined ? DRAIN_DEFAULTS.priority : validateNumber(o.priority, 'priority');
  return {
    hook:
      o.timeout === undefined
        ? { priority, [HOOK_TRAITS]: DRAIN_TRAITS }
        : { priority, timeout: validateMs(o.timeout, 'timeout'), [HOOK_TRAITS]: DRAIN_TRAITS },
    delay:
      o.delay === undefined
        ? DRAIN_DEFAULTS.delay
        : validateMs(o.delay, 'delay', { allowZero: true }),
    idleGrace:
      o.idleGrace === undefined
        ? DRAIN_DEFAULTS.idleGrace
        : validateMs(o.idleGrace, 'idleGrace', { allowZero: true }),
    onUpgraded:
      o.onUpgraded === undefined
        ? undefined
        : validateFunction<NonNullable<DrainOptions['onUpgraded']>>(o.onUpgraded, 'onUpgraded'),
    name: o.name === undefined ? undefined : validateName(o.name, 'name'),
    shutdown,
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
