import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnNode } from '../support/child.js';
import { findNginx, Nginx, untilReady } from './nginx.js';
import { GRACE, LAG, lostNothing, type Replica, rollout } from './rollout.js';

// The rolling update of rollout.ts with each replica a process. Locally the test skips without
// nginx; CI installs it and sets SHUTDOWN_HOOKS_REQUIRE_SERVICES=1, so there it fails instead.
const nginx = findNginx();
const required = process.env.SHUTDOWN_HOOKS_REQUIRE_SERVICES === '1';
if (!nginx && !required)
  console.log('test/deploy skipped: nginx is not installed (apt-get install nginx-light)');

const service = fileURLToPath(new URL('../../examples/http.mjs', import.meta.url));

/** The http example as a process, its delay set; SIGTERM, and SIGKILL at the grace period. */
async function startReplica(delay: number): Promise<Replica> {
  const child = spawnNode([service], { env: { PORT: '0', DELAY_MS: String(delay) } });
  await child.waitFor(/^listening on /);
  const port = Number(/localhost:(\d+)/.exec(child.output())![1]);
  await untilReady(port);
  return {
    port,
    async terminate() {
      child.proc.kill('SIGTERM');
      const kill = setTimeout(() => child.proc.kill('SIGKILL'), GRACE);
      const r = await child.result;
      clearTimeout(kill);
      return { code: r.code, killed: r.signal === 'SIGKILL' };
    },
    async kill() {
      child.proc.kill('SIGKILL');
      await child.result;
    },
  };
}

const run = (delay: number) =>
  rollout(
    (upstreams) => Nginx.start(nginx!, upstreams),
    () => startReplica(delay),
  );

describe.skipIf(!nginx && !required)('rolling update behind nginx', () => {
  it(`loses no request when delay (2000 ms) exceeds the endpoint lag (${LAG} ms)`, async () => {
    const { load, exits } = await run(2000);
    expect(load.sent).toBeGreaterThan(300);
    expect(load.byKind).toEqual(lostNothing(load));
    expect(exits).toEqual([
      { code: 0, killed: false },
      { code: 0, killed: false },
    ]);
  }, 60_000);

  it('the same rollout with delay 0 loses requests (the test can see loss)', async () => {
    const { load, exits } = await run(0);
    expect(load.sent - load.byKind.ok).toBeGreaterThan(0);
    // nginx answers 502 for what the stopped replica refused.
    expect(load.byKind['5xx']).toBeGreaterThan(0);
    expect(exits.every((e) => e.code === 0 && !e.killed)).toBe(true);
  }, 60_000);
});
