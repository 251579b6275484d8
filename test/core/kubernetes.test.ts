import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, KUBERNETES_DEFAULTS } from '../../src/index.js';
import { harness } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

/** When the first hook started and when its deadline was, from the start of the shutdown. */
async function timing(options = {}): Promise<{ startedAt: number; deadline: number }> {
  const { sd } = harness(options);
  let seen = { startedAt: -1, deadline: -1 };
  sd.onShutdown('probe', (ctx) => {
    seen = { startedAt: Date.now(), deadline: ctx.deadline };
  });
  const done = sd.shutdown();
  await vi.advanceTimersByTimeAsync(30_000);
  const report = await done;
  return {
    startedAt: seen.startedAt - report.startedAt,
    deadline: seen.deadline - report.startedAt,
  };
}

describe('defaults by environment', () => {
  it('outside Kubernetes: no delay, the docker-stop budget', async () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
    expect(await timing()).toEqual({ startedAt: DEFAULTS.delay, deadline: DEFAULTS.timeout });
  });

  it('in a Kubernetes pod: a delay for the endpoint lag, a budget for the 30 s grace period', async () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.96.0.1');
    expect(await timing()).toEqual({
      startedAt: KUBERNETES_DEFAULTS.delay,
      deadline: KUBERNETES_DEFAULTS.timeout,
    });
    expect(KUBERNETES_DEFAULTS.timeout + 1000).toBeLessThan(30_000);
  });

  it('in a pod, options given win, and a short timeout keeps the delay to a fifth of it', async () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.96.0.1');
    expect(await timing({ delay: 0 })).toEqual({ startedAt: 0, deadline: 25_000 });
    expect(await timing({ timeout: 4000 })).toEqual({ startedAt: 800, deadline: 4000 });
  });
});
