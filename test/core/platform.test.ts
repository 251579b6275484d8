import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RUNTIME, runtimeOf } from '../../src/core/runtime.js';
import {
  createShutdown,
  DEFAULTS,
  detectPlatform,
  KUBERNETES_DEFAULTS,
  PLATFORMS,
  type PlatformName,
  type ShutdownOptions,
} from '../../src/index.js';
import { harness } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** When the first hook started and its deadline, from the start of the shutdown; and the report. */
async function timing(options: Omit<ShutdownOptions, 'process' | 'exit'> = {}) {
  const { sd } = harness(options);
  let seen = { startedAt: -1, deadline: -1 };
  sd.onShutdown('probe', (ctx) => {
    seen = { startedAt: Date.now(), deadline: ctx.deadline };
  });
  const done = sd.shutdown();
  await vi.advanceTimersByTimeAsync(100_000);
  const report = await done;
  return {
    startedAt: seen.startedAt - report.startedAt,
    deadline: seen.deadline - report.startedAt,
    platform: report.platform,
  };
}

/** The container marker files of this machine: Docker's and Podman's. */
const inContainer = existsSync('/.dockerenv') || existsSync('/run/.containerenv');

describe('detectPlatform', () => {
  it.each([
    ['pm2', { pm_id: '0' }, 'pm_id'],
    ['kubernetes', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, 'KUBERNETES_SERVICE_HOST'],
    [
      'ecs',
      { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/x' },
      'ECS_CONTAINER_METADATA_URI_V4',
    ],
    [
      'ecs',
      { ECS_CONTAINER_METADATA_URI: 'http://169.254.170.2/v3/x' },
      'ECS_CONTAINER_METADATA_URI',
    ],
    ['cloud-run', { K_SERVICE: 'api', K_REVISION: 'api-00001' }, 'K_SERVICE'],
    ['fly', { FLY_APP_NAME: 'api' }, 'FLY_APP_NAME'],
    ['heroku', { DYNO: 'web.1' }, 'DYNO'],
    ['render', { RENDER: 'true' }, 'RENDER'],
    ['development', { NODE_ENV: 'development' }, 'NODE_ENV'],
    ['development', { WATCH_REPORT_DEPENDENCIES: '1' }, 'WATCH_REPORT_DEPENDENCIES'],
    ['systemd', { INVOCATION_ID: '0c3e6ad4b1a14bd0a1e47e9b5f3c1d2a' }, 'INVOCATION_ID'],
  ])('finds %s from %o', (name, env, variable) => {
    const found = detectPlatform(env);
    expect(found).toMatchObject({ name, detectedBy: variable });
    const { detectedBy: _, ...row } = found!;
    expect(PLATFORMS).toContainEqual(row);
  });

  it('finds docker from the container marker file alone, and nothing without one', () => {
    expect(detectPlatform({})?.name ?? null).toBe(inContainer ? 'docker' : null);
    if (inContainer)
      expect(detectPlatform({})?.detectedBy).toMatch(/^\/(\.dockerenv|run\/\.containerenv)$/);
  });

  it('prefers the more specific platform when several match', () => {
    const k8s = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
    expect(detectPlatform({ ...k8s, pm_id: '1' })?.name).toBe('pm2');
    // Knative on Kubernetes sets K_SERVICE and K_REVISION too: it is Kubernetes.
    expect(detectPlatform({ ...k8s, K_SERVICE: 'a', K_REVISION: 'a-1' })?.name).toBe('kubernetes');
    expect(detectPlatform({ ...k8s, NODE_ENV: 'development' })?.name).toBe('kubernetes');
    // A variable beats the container's marker file.
    expect(detectPlatform({ INVOCATION_ID: 'x' })?.name).toBe('systemd');
    expect(detectPlatform({ K_SERVICE: 'api' })?.name ?? null).toBe(inContainer ? 'docker' : null);
  });

  it("takes PM2's kill_timeout (or PM2_KILL_TIMEOUT) and PM2_KILL_SIGNAL from the environment", () => {
    expect(detectPlatform({ pm_id: '0' })).toMatchObject({
      signal: 'SIGINT',
      graceMs: 1600,
      graceFrom: 'default',
    });
    expect(detectPlatform({ pm_id: '0', kill_timeout: '5000' })).toMatchObject({
      graceMs: 5000,
      graceFrom: 'env',
    });
    expect(detectPlatform({ pm_id: '0', PM2_KILL_TIMEOUT: '3000' })?.graceMs).toBe(3000);
    expect(detectPlatform({ pm_id: '0', PM2_KILL_SIGNAL: 'SIGTERM' })?.signal).toBe('SIGTERM');
    // What is not a time or a signal is left out.
    expect(detectPlatform({ pm_id: '0', kill_timeout: 'soon' })?.graceMs).toBe(1600);
    expect(detectPlatform({ pm_id: '0', kill_timeout: '0' })?.graceMs).toBe(1600);
    expect(detectPlatform({ pm_id: '0', kill_timeout: '-5' })?.graceMs).toBe(1600);
    expect(detectPlatform({ pm_id: '0', kill_timeout: 'Infinity' })?.graceMs).toBe(1600);
    expect(detectPlatform({ pm_id: '0', PM2_KILL_SIGNAL: 'SIGNOPE' })?.signal).toBe('SIGINT');
  });

  it("PM2's variables change the pm2 row only", () => {
    const pm2 = { kill_timeout: '7000', PM2_KILL_SIGNAL: 'SIGUSR2' };
    expect(detectPlatform({ ...pm2, FLY_APP_NAME: 'api' })).toMatchObject({
      name: 'fly',
      signal: 'SIGINT',
      graceMs: 5000,
      graceFrom: 'default',
    });
    expect(detectPlatform({ ...pm2, DYNO: 'web.1' })).toMatchObject({
      signal: 'SIGTERM',
      graceMs: 30_000,
    });
  });

  it('lists every row once, frozen', () => {
    const names = PLATFORMS.map((row) => row.name);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.isFrozen(PLATFORMS)).toBe(true);
    for (const row of PLATFORMS) expect(Object.isFrozen(row)).toBe(true);
  });
});

describe('the platform option', () => {
  it.each(PLATFORMS.map((row) => [row.name, row] as const))(
    '%s: the whole sequence and the watchdog end before the SIGKILL; the delay is the routing lag',
    async (name, row) => {
      const { startedAt, deadline, platform } = await timing({ platform: name as PlatformName });
      expect(platform).toBe(name);
      expect(startedAt).toBe(row.lagMs);
      const watchdogGrace = Math.min(1000, row.graceMs / 10);
      expect(deadline + watchdogGrace).toBeLessThan(row.graceMs);
      // And leaves the hooks most of the grace period.
      expect(deadline).toBeGreaterThanOrEqual(row.graceMs * 0.75);
    },
  );

  it('kubernetes: KUBERNETES_DEFAULTS are its row; options given win; a short timeout keeps the delay to a fifth', async () => {
    expect(KUBERNETES_DEFAULTS).toEqual({ delay: 5000, timeout: 25_000 });
    expect(await timing({ platform: 'kubernetes' })).toMatchObject({
      startedAt: KUBERNETES_DEFAULTS.delay,
      deadline: KUBERNETES_DEFAULTS.timeout,
    });
    expect(await timing({ platform: 'kubernetes', delay: 0 })).toMatchObject({
      startedAt: 0,
      deadline: 25_000,
    });
    expect(await timing({ platform: 'kubernetes', timeout: 4000 })).toMatchObject({
      startedAt: 800,
      deadline: 4000,
    });
  });

  it("with an injected process, 'auto' finds no platform: DEFAULTS apply", async () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.96.0.1');
    try {
      expect(await timing()).toEqual({
        startedAt: DEFAULTS.delay,
        deadline: DEFAULTS.timeout,
        platform: null,
      });
    } finally {
      vi.unstubAllEnvs();
    }
    expect((await timing({ platform: false })).platform).toBeNull();
  });

  it('starts a shutdown on the platform stop signal: SIGINT on fly, SIGUSR2 in development', async () => {
    for (const [platform, signal] of [
      ['fly', 'SIGINT'],
      ['development', 'SIGUSR2'],
    ] as const) {
      const { sd, fake, exits } = harness({ platform });
      sd.onShutdown('a', () => {});
      fake.emit(signal);
      await vi.advanceTimersByTimeAsync(10);
      expect(sd.state).toBe('stopped');
      expect(exits).toEqual([0]);
    }
    // Signals of your own replace the list, the platform's included.
    const { sd, fake } = harness({ platform: 'development', signals: ['SIGTERM'] });
    sd.onShutdown('a', () => {});
    fake.emit('SIGUSR2');
    expect(sd.state).toBe('running');
  });

  it("pm2: PM2's second SIGINT never forces; elsewhere Ctrl-C twice still does (130)", async () => {
    for (const [platform, exitCodes] of [
      ['pm2', [0]],
      // Fly stops with SIGINT too, once.
      ['fly', [130]],
      ['docker', [130]],
      [false, [130]],
    ] as const) {
      const { sd, fake, exits } = harness({ platform });
      sd.onShutdown('slow', () => new Promise((resolve) => setTimeout(resolve, 500)));
      fake.emit('SIGINT');
      await vi.advanceTimersByTimeAsync(100);
      fake.emit('SIGINT');
      await vi.advanceTimersByTimeAsync(1000);
      expect(exits.slice(0, 1)).toEqual(exitCodes);
    }
    // forceSignals of your own still apply under PM2.
    const { sd, fake, exits } = harness({ platform: 'pm2', forceSignals: ['SIGINT'] });
    sd.onShutdown('slow', () => new Promise((resolve) => setTimeout(resolve, 500)));
    fake.emit('SIGINT');
    fake.emit('SIGINT');
    await vi.advanceTimersByTimeAsync(10);
    expect(exits).toEqual([130]);
  });

  it('pm2 stopping with another signal (PM2_KILL_SIGNAL): Ctrl-C twice still forces', async () => {
    vi.stubEnv('PM2_KILL_SIGNAL', 'SIGTERM');
    const exits: number[] = [];
    const before = process.listeners('SIGINT');
    const sd = createShutdown({
      platform: 'pm2',
      process,
      exit: (code) => exits.push(code),
      handleErrors: false,
      naturalExit: false,
      disconnect: false,
    });
    try {
      sd.onShutdown('slow', () => new Promise((resolve) => setTimeout(resolve, 500)));
      // This instance's listener on the real process, called as the signal would call it.
      const [sigint] = process.listeners('SIGINT').filter((l) => !before.includes(l));
      sigint!('SIGINT');
      sigint!('SIGINT');
      await vi.advanceTimersByTimeAsync(10);
      expect(exits).toEqual([130]);
    } finally {
      await vi.advanceTimersByTimeAsync(1000);
      sd.uninstall();
      vi.unstubAllEnvs();
    }
  });

  it('refuses an unknown name, naming the rows and the one meant', () => {
    expect(() => createShutdown({ platform: 'kubernetse' as PlatformName })).toThrow(
      /`platform`.*'kubernetes'.*got "kubernetse" \(did you mean `kubernetes`\?\)/,
    );
    expect(() => createShutdown({ platform: true as unknown as false })).toThrow(
      new TypeError(
        `Expected \`platform\` to be 'auto', false or one of ${PLATFORMS.map((row) => `'${row.name}'`).join(', ')}, got true`,
      ),
    );
  });

  it('reads what the environment says of a named platform on the real process only', async () => {
    vi.stubEnv('PM2_KILL_TIMEOUT', '6000');
    try {
      // PM2's own 1.6 s on a fake process; the 6 s PM2 was given on the real one.
      expect((await timing({ platform: 'pm2' })).deadline).toBe(1300);
      const sd = createShutdown({
        platform: 'pm2',
        process,
        exit: false,
        handleErrors: false,
        naturalExit: false,
        disconnect: false,
      });
      let deadline = -1;
      sd.onShutdown('probe', (ctx) => {
        deadline = ctx.deadline;
      });
      const done = sd.shutdown();
      await vi.advanceTimersByTimeAsync(100_000);
      expect(deadline - (await done).startedAt).toBe(5000);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the SHUTDOWN_HOOKS_GRACE warning', () => {
  const WARNED = Symbol.for('shutdown-hooks.grace-warning.v0');
  beforeEach(() => {
    delete (process as unknown as Record<symbol, unknown>)[WARNED];
  });

  /** Installs an instance on the real process with `options`; the warnings it emitted. */
  function install(options: ShutdownOptions, spy = vi.spyOn(process, 'emitWarning')) {
    spy.mockImplementation(() => {});
    const sd = createShutdown({ exit: false, ...options }).install();
    sd.uninstall();
    return spy;
  }

  it('fires once per process when a timeout of your own outlasts the platform (fly, 5 s)', () => {
    const spy = install({ platform: 'fly', timeout: 10_000 });
    expect(spy).toHaveBeenCalledTimes(1);
    const [message, options] = spy.mock.calls[0]!;
    expect(message).toMatch(
      /timeout \(10000 ms, plus the watchdog's 500 ms\).*fly.*5000 ms after its SIGINT: lower `timeout` or/,
    );
    expect(options).toEqual({ code: 'SHUTDOWN_HOOKS_GRACE' });
    // Again, by another instance or after configure(): nothing more.
    install({ platform: 'fly', timeout: 20_000 }, spy);
    const sd = createShutdown({ exit: false, platform: 'fly', timeout: 9000 }).install();
    sd.configure({ timeout: 12_000 });
    sd.uninstall();
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('stays quiet when the timeout fits (heroku, 30 s), on defaults, and on a fake process', () => {
    const spy = install({ platform: 'heroku', timeout: 10_000 });
    install({ platform: 'fly' }, spy);
    install({ platform: false, timeout: 60_000 }, spy);
    const { sd } = harness({ platform: 'fly', timeout: 10_000 });
    sd.install();
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('SHUTDOWN_HOOKS_PLATFORM', () => {
  it('names the platform over detection, or none; an unknown name is refused', () => {
    expect(detectPlatform({ SHUTDOWN_HOOKS_PLATFORM: 'fly', pm_id: '0' })).toMatchObject({
      name: 'fly',
      detectedBy: 'SHUTDOWN_HOOKS_PLATFORM',
    });
    expect(
      detectPlatform({ SHUTDOWN_HOOKS_PLATFORM: 'none', KUBERNETES_SERVICE_HOST: 'x' }),
    ).toBeNull();
    expect(() => detectPlatform({ SHUTDOWN_HOOKS_PLATFORM: 'flyio' })).toThrow(
      new TypeError(
        `Expected SHUTDOWN_HOOKS_PLATFORM to be 'none' or one of ${PLATFORMS.map((row) => `'${row.name}'`).join(', ')}, got "flyio"`,
      ),
    );
  });
});

describe('a delay of your own under a platform', () => {
  it('within the platform budget: the budget holds it', async () => {
    expect(await timing({ platform: 'kubernetes', delay: 1000 })).toMatchObject({
      startedAt: 1000,
      deadline: 25_000,
    });
    // As long as the budget itself (pm2: 1300 ms), no hook would run in it: the budget follows.
    expect(await timing({ platform: 'pm2', delay: 1300 })).toMatchObject({
      startedAt: 1300,
      deadline: 2600,
    });
  });

  it('longer than the platform budget: the budget comes after it, and the grace warning says so', async () => {
    expect(await timing({ platform: 'pm2', delay: 5000 })).toMatchObject({
      startedAt: 5000,
      deadline: 6300,
    });
    const WARNED = Symbol.for('shutdown-hooks.grace-warning.v0');
    delete (process as unknown as Record<symbol, unknown>)[WARNED];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    createShutdown({ exit: false, platform: 'pm2', delay: 5000 }).install().uninstall();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0]).toMatch(
      /timeout \(6300 ms: your delay of 5000 ms, then the hooks' budget, plus the watchdog's 160 ms\).*pm2's SIGKILL, 1600 ms after its SIGINT: lower `delay`/,
    );
  });
});

describe('the runtime', () => {
  it('is told by what process.versions names: Bun and Deno name themselves, Node does not', () => {
    expect(runtimeOf({ node: '22.0.0', bun: '1.2.0' })).toBe('bun');
    expect(runtimeOf({ node: '20.11.1', deno: '2.1.0' })).toBe('deno');
    expect(runtimeOf({ node: '20.20.2' })).toBe('node');
    expect(RUNTIME).toBe(runtimeOf(process.versions));
  });
});

describe('PLATFORMS', () => {
  it('holds each platform stop signal, grace period and routing lag, and the timeout each gives', async () => {
    const rows = [
      // name, signal, graceMs, lagMs, the default timeout (5/6 of the grace, whole seconds from 10 s)
      ['pm2', 'SIGINT', 1600, 0, 1300],
      ['kubernetes', 'SIGTERM', 30_000, 5000, 25_000],
      ['ecs', 'SIGTERM', 30_000, 0, 25_000],
      ['cloud-run', 'SIGTERM', 10_000, 0, 8000],
      ['fly', 'SIGINT', 5000, 0, 4100],
      ['heroku', 'SIGTERM', 30_000, 0, 25_000],
      ['render', 'SIGTERM', 30_000, 0, 25_000],
      ['development', 'SIGUSR2', 3000, 0, 2500],
      ['systemd', 'SIGTERM', 90_000, 0, 75_000],
      ['docker', 'SIGTERM', 10_000, 0, 8000],
    ] as const;
    expect(PLATFORMS).toEqual(
      rows.map(([name, signal, graceMs, lagMs]) => ({
        name,
        signal,
        graceMs,
        graceFrom: 'default',
        lagMs,
      })),
    );
    for (const [name, , , lagMs, timeout] of rows) {
      expect(await timing({ platform: name }), name).toMatchObject({
        startedAt: lagMs,
        deadline: timeout,
      });
    }
  });
});
