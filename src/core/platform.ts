import { builtin } from './builtin.js';
import { type Env, environment } from './environment.js';
import { signalNumber } from './signals.js';

/** Where the service runs, as far as stopping it goes: what ends it, and how long it gets. */
export interface PlatformProfile {
  /** The row's name: `'kubernetes'`, `'pm2'`, … */
  readonly name: string;
  /** The signal the platform stops the process with. */
  readonly signal: NodeJS.Signals;
  /** Milliseconds from that signal to the platform's SIGKILL. */
  readonly graceMs: number;
  /** `'env'` when the grace period was read from the process's environment (PM2's `kill_timeout`). */
  readonly graceFrom: 'default' | 'env';
  /** How long the platform's routing keeps sending requests after the signal: the default `delay`. */
  readonly lagMs: number;
  /** Only from `detectPlatform()`: the environment variable (or file) that named the platform. */
  readonly detectedBy?: string;
}

/** A row of `PLATFORMS` and how it is found. */
interface Row extends PlatformProfile {
  /** The variable or file that names the platform, if present. */
  find(env: Env): string | undefined;
  /** The platform sends its stop signal again while the process is still stopping. */
  readonly repeatsSignal?: boolean;
}

/** The first of `names` set (non-empty) in `env`. */
const anyOf =
  (...names: string[]) =>
  (env: Env): string | undefined =>
    names.find((name) => Boolean(env[name]));

/** The first of `paths` that exists; a sandbox that may not look (Deno without --allow-read) finds none. */
function fileOf(...paths: string[]): () => string | undefined {
  return () => {
    try {
      const { existsSync } = builtin('node:fs');
      return paths.find((path) => existsSync(path));
    } catch {
      return undefined;
    }
  };
}

// In the order of detection: when several match, the more specific wins (PM2 inside a container
// is PM2; Knative on Kubernetes is Kubernetes; a variable beats the container's marker file).
const ROWS: readonly Row[] = [
  {
    name: 'pm2',
    signal: 'SIGINT',
    graceMs: 1600,
    graceFrom: 'default',
    lagMs: 0,
    find: anyOf('pm_id'),
    // `pm2 stop` then `pm2 delete` (or a reload during a stop) sends SIGINT a second time.
    repeatsSignal: true,
  },
  {
    name: 'kubernetes',
    signal: 'SIGTERM',
    graceMs: 30_000,
    graceFrom: 'default',
    // Endpoints and proxies keep routing to a terminating pod for a second or more.
    lagMs: 5000,
    find: anyOf('KUBERNETES_SERVICE_HOST'),
  },
  {
    name: 'ecs',
    signal: 'SIGTERM',
    graceMs: 30_000,
    graceFrom: 'default',
    lagMs: 0,
    find: anyOf('ECS_CONTAINER_METADATA_URI_V4', 'ECS_CONTAINER_METADATA_URI'),
  },
  {
    name: 'cloud-run',
    signal: 'SIGTERM',
    graceMs: 10_000,
    graceFrom: 'default',
    lagMs: 0,
    find: (env) => (env.K_SERVICE && env.K_REVISION ? 'K_SERVICE' : undefined),
  },
  {
    name: 'fly',
    signal: 'SIGINT',
    graceMs: 5000,
    graceFrom: 'default',
    lagMs: 0,
    find: anyOf('FLY_APP_NAME'),
  },
  {
    name: 'heroku',
    signal: 'SIGTERM',
    graceMs: 30_000,
    graceFrom: 'default',
    lagMs: 0,
    find: anyOf('DYNO'),
  },
  {
    name: 'render',
    signal: 'SIGTERM',
    graceMs: 30_000,
    graceFrom: 'default',
    lagMs: 0,
    find: anyOf('RENDER'),
  },
  {
    // The development loop: `node --watch` restarts with SIGTERM, nodemon with SIGUSR2. Neither
    // kills, but a restart must not wait for a production budget.
    name: 'development',
    signal: 'SIGUSR2',
    graceMs: 3000,
    graceFrom: 'default',
    lagMs: 0,
    find: (env) =>
      env.WATCH_REPORT_DEPENDENCIES
        ? 'WATCH_REPORT_DEPENDENCIES'
        : env.NODE_ENV === 'development'
          ? 'NODE_ENV'
          : undefined,
  },
  {
    name: 'systemd',
    signal: 'SIGTERM',
    graceMs: 90_000,
    graceFrom: 'default',
    lagMs: 0,
    find: anyOf('INVOCATION_ID'),
  },
  {
    name: 'docker',
    signal: 'SIGTERM',
    graceMs: 10_000,
    graceFrom: 'default',
    lagMs: 0,
    find: fileOf('/.dockerenv', '/run/.containerenv'),
  },
];

/** The profile of a row as users see it. */
function profileOf({ name, signal, graceMs, graceFrom, lagMs }: PlatformProfile): PlatformProfile {
  return Object.freeze({ name, signal, graceMs, graceFrom, lagMs });
}

/**
 * One row per platform, in the order `detectPlatform()` tries them: the signal each stops a
 * process with, its grace period before SIGKILL, and its routing lag. docs/platforms.md is checked
 * against this table.
 */
export const PLATFORMS: readonly PlatformProfile[] = Object.freeze(ROWS.map(profileOf));

/** The names of `PLATFORMS`' rows. */
export type PlatformName =
  | 'pm2'
  | 'kubernetes'
  | 'ecs'
  | 'cloud-run'
  | 'fly'
  | 'heroku'
  | 'render'
  | 'development'
  | 'systemd'
  | 'docker';

/**
 * Names the platform outright, over detection: a row's name, or `none`. `shutdown-hooks rehearse
 * --platform` sets it for the service it rehearses; an image can set it for a platform that is not
 * detected.
 */
export const PLATFORM_ENV = 'SHUTDOWN_HOOKS_PLATFORM';

/**
 * The platform this process runs on, from the variables each platform sets (and, for Docker and
 * Podman, the file they put at the root of a container), or null. `SHUTDOWN_HOOKS_PLATFORM` names
 * one outright. PM2's `kill_timeout` (or `PM2_KILL_TIMEOUT`) and `PM2_KILL_SIGNAL` replace its
 * row's figures when set.
 */
export function detectPlatform(
  env: Readonly<Record<string, string | undefined>> = environment,
): PlatformProfile | null {
  const named = env[PLATFORM_ENV];
  if (named) {
    if (named === 'none') return null;
    const row = ROWS.find((r) => r.name === named);
    if (!row) {
      throw new TypeError(
        `Expected ${PLATFORM_ENV} to be 'none' or one of ${ROWS.map((r) => `'${r.name}'`).join(', ')}, got "${named}"`,
      );
    }
    return withEnvironment(row, env, PLATFORM_ENV);
  }
  for (const row of ROWS) {
    const detectedBy = row.find(env);
    if (detectedBy !== undefined) return withEnvironment(row, env, detectedBy);
  }
  return null;
}

/** The row named `name`, with what the environment says of it; undefined for an unknown name. */
export function platformNamed(name: string, env: Env): PlatformProfile | undefined {
  const row = ROWS.find((r) => r.name === name);
  return row && withEnvironment(row, env, undefined);
}

/** Whether the platform itself sends its stop signal again while the process is stopping. */
export function repeatsSignal(profile: PlatformProfile): boolean {
  return ROWS.find((row) => row.name === profile.name)?.repeatsSignal === true;
}

function withEnvironment(row: Row, env: Env, detectedBy: string | undefined): PlatformProfile {
  const profile: PlatformProfile = { ...profileOf(row), ...(detectedBy ? { detectedBy } : {}) };
  if (row.name !== 'pm2') return Object.freeze(profile);
  // PM2 copies the app's settings into its environment: `kill_timeout` when the user set it.
  const grace = Number(env.kill_timeout ?? env.PM2_KILL_TIMEOUT);
  const signal = env.PM2_KILL_SIGNAL;
  return Object.freeze({
    ...profile,
    ...(Number.isFinite(grace) && grace > 0 ? { graceMs: grace, graceFrom: 'env' as const } : {}),
    ...(signal && signalNumber(signal) > 0 ? { signal: signal as NodeJS.Signals } : {}),
  });
}

/** The watchdog's grace for this grace period: a tenth of it, at most 1 s. */
export function watchdogGraceFor(graceMs: number): number {
  return Math.min(1000, Math.floor(graceMs / 10));
}

/**
 * The global `timeout` that fits a grace period: five sixths of it, in whole seconds (tenths of a
 * second under 10 s). With the watchdog's grace added it ends before the platform's SIGKILL:
 * 8 s of `docker stop`'s 10, 25 s of Kubernetes' 30, 1.3 s of PM2's 1.6.
 */
export function timeoutFor(graceMs: number): number {
  const step = graceMs >= 10_000 ? 1000 : 100;
  return Math.max(step, Math.floor((graceMs * 5) / 6 / step) * step);
}
