// Real processes stopped the way each platform stops them: the platform's variables in the
// environment, its signal, and SIGKILL at its grace period, applied by the test.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChildResult, fixture, notOn, spawnNode, spawnService } from '../support/child.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-platform-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const report = () =>
  JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
    platform: string | null;
    exitCode: number;
    reason: string;
    timedOut: boolean;
  };

/** Starts the service fixture on `env`, sends `signal`, and SIGKILLs it `graceMs` later. */
async function stopLikePlatform(
  config: object,
  env: Record<string, string>,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<ChildResult & { ms: number }> {
  const child = spawnService(config, {
    ...env,
    SHUTDOWN_HOOKS_REPORT_FILE: join(dir, 'report.json'),
  });
  await child.ready;
  const started = Date.now();
  child.proc.kill(signal);
  const kill = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  const r = await child.result;
  clearTimeout(kill);
  return { ...r, ms: Date.now() - started };
}

describe('stopped the way the platform stops it', () => {
  it('Fly (SIGINT, SIGKILL at 5 s): a hook that never ends is cut in time; exit 1 before the SIGKILL', async () => {
    const r = await stopLikePlatform(
      { hooks: [{ name: 'forever', does: 'hang' }] },
      { FLY_APP_NAME: 'api' },
      'SIGINT',
      5000,
    );
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(5000);
    expect(report()).toMatchObject({ platform: 'fly', reason: 'SIGINT', timedOut: true });
  });

  it('systemd (SIGTERM, 90 s): the debug line names the profile and the variable; exit 0', async () => {
    const r = await stopLikePlatform(
      { hooks: [{ name: 'flush', does: 'wait:200' }] },
      { INVOCATION_ID: '0c3e6ad4b1a14bd0a1e47e9b5f3c1d2a', DEBUG: 'shutdown-hooks:core' },
      'SIGTERM',
      90_000,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /platform systemd \(found by INVOCATION_ID\): stopped with SIGTERM, SIGKILL 90000 ms later \(its default\); timeout 75000 ms, delay 0 ms/,
    );
    expect(report()).toMatchObject({ platform: 'systemd', exitCode: 0 });
  });

  it('Fly with a timeout of its own past the grace period: one SHUTDOWN_HOOKS_GRACE warning on stderr', async () => {
    const r = await stopLikePlatform(
      { options: { timeout: 10_000 }, hooks: [{ name: 'h', does: 'ok' }] },
      { FLY_APP_NAME: 'api' },
      'SIGINT',
      5000,
    );
    expect(r.code).toBe(0);
    const warnings = r.stderr.match(/\[SHUTDOWN_HOOKS_GRACE\]/g) ?? [];
    expect(warnings).toHaveLength(1);
    expect(r.stderr).toMatch(/timeout \(10000 ms.*fly's SIGKILL, 5000 ms after its SIGINT/);
  });

  it('nodemon (SIGUSR2, NODE_ENV=development): the restart runs the hooks and exits 0 at once', async () => {
    const r = await stopLikePlatform(
      { hooks: [{ name: 'h', does: 'ok' }] },
      { NODE_ENV: 'development' },
      'SIGUSR2',
      3000,
    );
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(3000);
    expect(report()).toMatchObject({ platform: 'development', reason: 'SIGUSR2', exitCode: 0 });
  });

  // Under `npm run mutate` the children preload the sources through module hooks, which Node's
  // watch mode does not carry over to the process it restarts: the test applies to the build only.
  it.skipIf(
    process.env.SHUTDOWN_HOOKS_MUTATE === '1' ||
      notOn(
        ['bun', 'deno'],
        "`node --watch` is Node's (Bun's and Deno's --watch restart differently)",
      ),
  )(
    'node --watch: a change restarts the service after its hooks ran, on the development budget',
    async () => {
      const app = join(dir, 'app.mjs');
      const service = pathToFileURL(fixture('service.mjs')).href;
      writeFileSync(app, `import '${service}';\n`);
      const child = spawnNode(['--watch', app], {
        env: {
          SERVICE: JSON.stringify({ hooks: [{ name: 'h', does: 'wait:100' }] }),
          SHUTDOWN_HOOKS_REPORT_FILE: join(dir, 'report.json'),
        },
      });
      try {
        await child.ready;
        writeFileSync(app, `import '${service}';\n// changed\n`);
        // The report file is written just after the `done` line: wait until it is whole.
        await child.waitFor(/^done 0 /);
        const whole = () => {
          try {
            return existsSync(join(dir, 'report.json')) && report() !== undefined;
          } catch {
            return false;
          }
        };
        for (let i = 0; i < 100 && !whole(); i++) await sleep(20);
        expect(report()).toMatchObject({ platform: 'development', reason: 'SIGTERM', exitCode: 0 });
      } finally {
        child.proc.kill('SIGKILL');
        await child.result;
      }
    },
  );
});
