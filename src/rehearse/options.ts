import { parseArgs } from 'node:util';
import { PLATFORMS, type PlatformProfile } from '../core/platform.js';
import { signalNumber } from '../core/signals.js';

/** The defaults of `shutdown-hooks rehearse`, in one place; docs/deploy.md is checked against it. */
export const REHEARSE_DEFAULTS = Object.freeze({
  /** The load URL; `$PORT` is replaced by the port given to the service. */
  url: 'http://127.0.0.1:$PORT/',
  /** The readiness path, polled until 200 before the load starts and during termination. */
  ready: '/ready',
  /** Requests per second of the load, spread over `connections` keep-alive connections. */
  rate: 100,
  connections: 20,
  /** Ms of load before termination begins. */
  warmup: 2000,
  signal: 'SIGTERM' as NodeJS.Signals,
  /** Ms the endpoint keeps routing new connections and requests after termination begins. */
  lag: 2000,
  /** Ms from the start of termination to SIGKILL, as `terminationGracePeriodSeconds`. */
  grace: 30_000,
  /** Ms to wait for the service to answer 200 on `ready` before giving up. */
  readyTimeout: 15_000,
  preStop: undefined as string | undefined,
  json: false,
  /** A page to write the rehearsal to, as a timeline. */
  html: undefined as string | undefined,
  /** A saved `--json` result to draw the page from, instead of rehearsing. */
  from: undefined as string | undefined,
  /** An image to run as a container instead of a command. */
  image: undefined as string | undefined,
  /** The container engine: `docker` when it is on PATH, else `podman`. */
  engine: undefined as 'docker' | 'podman' | undefined,
  /** Pull the image before running it (never done otherwise). */
  pull: false,
  /** A row of PLATFORMS: its signal, grace period and lag replace the three defaults above. */
  platform: undefined as string | undefined,
});

export type PreStop =
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'http'; readonly path: string }
  | { readonly kind: 'exec'; readonly command: readonly string[] };

export interface RehearseOptions {
  readonly url: string;
  readonly ready: string;
  readonly rate: number;
  readonly connections: number;
  readonly warmup: number;
  readonly signal: NodeJS.Signals;
  readonly lag: number;
  readonly grace: number;
  readonly readyTimeout: number;
  readonly preStop: PreStop | undefined;
  readonly json: boolean;
  /** Also write the rehearsal as a page (`--html`). */
  readonly html: string | undefined;
  /** Draw the page from a saved `--json` result instead of rehearsing (`--from`). */
  readonly from: string | undefined;
  /** The platform rehearsed (`--platform`): the service is told it runs there. */
  readonly platform: PlatformProfile | undefined;
  /** The image to run, with the engine and whether to pull it; `undefined`: a command runs. */
  readonly image:
    | {
        readonly name: string;
        readonly engine: 'docker' | 'podman' | undefined;
        readonly pull: boolean;
      }
    | undefined;
  /** The service command and its arguments; with an image, the arguments that replace its CMD. */
  readonly command: readonly string[];
}

/** Bad usage: the message is printed as it is, with exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: shutdown-hooks rehearse [options] -- <command> [args...]
       shutdown-hooks rehearse --image <image> [options] [-- args...]

Starts the command (or a container of the image, with host networking) with PORT set, waits
until it is ready, puts it under keep-alive HTTP load, stops it the way Kubernetes does, and
reports what the clients saw.

Options (defaults in brackets):
  --url <url|path>       load URL, or a path on the service; $PORT is the service's port;
                         it must answer 2xx or 3xx before termination [${REHEARSE_DEFAULTS.url}]
  --ready <path>         readiness path, 200 when ready [${REHEARSE_DEFAULTS.ready}]
  --rate <n>             requests per second [${REHEARSE_DEFAULTS.rate}]
  --connections <n>      keep-alive connections [${REHEARSE_DEFAULTS.connections}]
  --warmup <ms>          load before termination begins [${REHEARSE_DEFAULTS.warmup}]
  --signal <name>        the signal sent; with --image, the image's STOPSIGNAL is
                         (set it in the image) [${REHEARSE_DEFAULTS.signal}]
  --lag <ms>             the endpoint still routes to the service this long after termination
                         begins (at the preStop, else at the signal) [${REHEARSE_DEFAULTS.lag}]
  --grace <ms>           SIGKILL this long after termination begins [${REHEARSE_DEFAULTS.grace}]
  --pre-stop <hook>      sleep:<ms>, http:<path> or (with --image) exec:<command>, run
                         before the signal [none]
  --platform <name>      stop it as this platform does: its signal (with --image too), grace
                         period and lag replace the defaults above, and the service is told
                         it runs there (SHUTDOWN_HOOKS_PLATFORM) [none]:
${PLATFORMS.map(
  (row) =>
    `                           ${row.name.padEnd(12)} ${row.signal.padEnd(8)} grace ${String(row.graceMs).padStart(5)} ms  lag ${row.lagMs} ms`,
).join('\n')}
  --ready-timeout <ms>   longest wait for readiness [${REHEARSE_DEFAULTS.readyTimeout}]
  --json                 print one JSON object instead of the report
  --html <file>          also write the rehearsal as a page that opens offline: requests by
                         outcome over time, the moments of termination, the hooks [none]
  --from <file>          with --html: draw the page from a saved --json result, no rehearsal
  --image <image>        run a container of this image instead of a command; args after --
                         replace its CMD [none]
  --engine <name>        docker or podman [docker when on PATH, else podman]
  --pull                 pull the image first (never done otherwise) [off]
  -h, --help             this text

Exit status: 0 when no request failed and the service exited on its own within the grace
period; 1 otherwise; 2 for bad usage.`;

/** Parses `rehearse`'s arguments (without the word `rehearse`). Throws `UsageError`. */
export function parseRehearseArgs(args: readonly string[]): RehearseOptions | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const image = values.image;
  if (values.from !== undefined && values.html === undefined) {
    throw new UsageError(
      '--from goes with --html: shutdown-hooks rehearse --html out.html --from result.json',
    );
  }
  if (image === undefined && positionals.length === 0 && values.from === undefined) {
    throw new UsageError(
      'missing the service command: shutdown-hooks rehearse [options] -- node server.js (or --image <image>)',
    );
  }
  if (image === undefined && (values.engine !== undefined || values.pull)) {
    throw new UsageError(`--${values.pull ? 'pull' : 'engine'} goes with --image`);
  }
  if (image !== undefined && values.signal !== undefined) {
    throw new UsageError(
      "--signal does not go with --image: the engine sends the image's STOPSIGNAL (SIGTERM unless the image sets another), as Kubernetes does; --platform sends that platform's signal",
    );
  }
  const platform =
    values.platform === undefined
      ? undefined
      : PLATFORMS.find((row) => row.name === values.platform);
  if (values.platform !== undefined && !platform) {
    throw new UsageError(
      `--platform must be one of ${PLATFORMS.map((row) => row.name).join(', ')}, got "${values.platform}"`,
    );
  }
  const engine = values.engine;
  if (engine !== undefined && engine !== 'docker' && engine !== 'podman') {
    throw new UsageError(`--engine must be docker or podman, got "${engine}"`);
  }
  // A path alone is taken on the service's port, as --ready is.
  const given = values.url ?? REHEARSE_DEFAULTS.url;
  const url = given.startsWith('/') ? `http://127.0.0.1:$PORT${given}` : given;
  if (
    !URL.canParse(url.replaceAll('$PORT', '1')) ||
    !/^https?:$/.test(new URL(url.replaceAll('$PORT', '1')).protocol)
  ) {
    throw new UsageError(`--url must be an http URL or a path like /health, got "${given}"`);
  }
  const ready = values.ready ?? REHEARSE_DEFAULTS.ready;
  if (!ready.startsWith('/'))
    throw new UsageError(`--ready must be a path like /ready, got "${ready}"`);
  const signal = (values.signal ?? platform?.signal ?? REHEARSE_DEFAULTS.signal).toUpperCase();
  const named = signal.startsWith('SIG') ? signal : `SIG${signal}`;
  if (signalNumber(named) === 0)
    throw new UsageError(`--signal must be a signal name like SIGTERM, got "${values.signal}"`);
  const number = (name: string, value: string | undefined, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || value.trim() === '') {
      throw new UsageError(`--${name} must be a number of at least ${min}, got "${value}"`);
    }
    return n;
  };
  const lag = number('lag', values.lag, platform?.lagMs ?? REHEARSE_DEFAULTS.lag, 0);
  const grace = number('grace', values.grace, platform?.graceMs ?? REHEARSE_DEFAULTS.grace, 1);
  const preStop = values['pre-stop'] === undefined ? undefined : parsePreStop(values['pre-stop']);
  if (preStop?.kind === 'exec' && image === undefined) {
    throw new UsageError('--pre-stop exec:<command> goes with --image: it runs in the container');
  }
  return {
    url,
    ready,
    rate: number('rate', values.rate, REHEARSE_DEFAULTS.rate, 1),
    connections: Math.floor(
      number('connections', values.connections, REHEARSE_DEFAULTS.connections, 1),
    ),
    warmup: number('warmup', values.warmup, REHEARSE_DEFAULTS.warmup, 0),
    signal: named as NodeJS.Signals,
    lag,
    grace,
    readyTimeout: number(
      'ready-timeout',
      values['ready-timeout'],
      REHEARSE_DEFAULTS.readyTimeout,
      1,
    ),
    preStop,
    json: values.json ?? REHEARSE_DEFAULTS.json,
    html: values.html,
    from: values.from,
    platform,
    image: image === undefined ? undefined : { name: image, engine, pull: values.pull ?? false },
    command: positionals,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      ready: { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      signal: { type: 'string' },
      lag: { type: 'string' },
      grace: { type: 'string' },
      'pre-stop': { type: 'string' },
      'ready-timeout': { type: 'string' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      from: { type: 'string' },
      image: { type: 'string' },
      engine: { type: 'string' },
      pull: { type: 'boolean' },
      platform: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The preStop as `--pre-stop` takes it, or null. */
export function describePreStop(preStop: PreStop | undefined): string | null {
  if (!preStop) return null;
  if (preStop.kind === 'sleep') return `sleep:${preStop.ms}`;
  if (preStop.kind === 'http') return `http:${preStop.path}`;
  return `exec:${preStop.command.join(' ')}`;
}

function parsePreStop(value: string): PreStop {
  const sleep = /^sleep:(\d+)$/.exec(value);
  if (sleep) return { kind: 'sleep', ms: Number(sleep[1]) };
  const http = /^http:(\/\S*)$/.exec(value);
  if (http) return { kind: 'http', path: http[1]! };
  // As the kubelet's exec hook: a command and its arguments, no shell unless it names one.
  const exec = /^exec:(.*\S.*)$/.exec(value);
  if (exec) return { kind: 'exec', command: exec[1]!.trim().split(/\s+/) };
  throw new UsageError(
    `--pre-stop must be sleep:<ms>, http:<path> or exec:<command>, got "${value}"`,
  );
}
