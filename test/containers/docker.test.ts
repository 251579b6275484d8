// The container facts of docs/deploy.md, each measured on a real engine: how `docker stop` ends
// each way of starting a service (exec form, shell form, npm start, a start script, an init),
// the watchdog ending a blocked event loop as PID 1, `rehearse --image` on the good and the
// broken images, and a rolling update of containers behind nginx.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx, freePort, Nginx, untilReady } from '../deploy/nginx.js';
import { GRACE, lostNothing, type Replica, rollout } from '../deploy/rollout.js';
import { runCli } from '../support/child.js';
import {
  BASE_IMAGE,
  buildBaseImage,
  buildImages,
  CASES,
  Engine,
  REQUIRED,
  skipWithoutEngine,
} from '../support/containers.mjs';

const skip = skipWithoutEngine('test/containers');
/** The grace period of `docker stop` in these tests. */
const GRACE_S = 5;
let engine: Engine;

beforeAll(async () => {
  if (skip) return;
  engine = await Engine.start();
  await buildBaseImage(engine);
  await buildImages(engine);
}, 180_000);

afterAll(async () => {
  await engine?.stop();
}, 60_000);

/** Starts a container of `image` with host networking, on a free port given as PORT. */
async function runContainer(
  image: string,
  env: Record<string, string> = {},
  run: readonly string[] = [],
  command: readonly string[] = [],
): Promise<{ id: string; port: number }> {
  const port = await freePort();
  const vars = Object.entries({ PORT: String(port), ...env }).flatMap(([k, v]) => [
    '--env',
    `${k}=${v}`,
  ]);
  const args = ['run', '--detach', '--network', 'host', ...run, ...vars, image, ...command];
  return { id: (await engine.docker(args)).trim(), port };
}

/** Runs `image` with host networking and PORT set; resolves once it answers 200 on `path`. */
async function runReady(
  image: string,
  run: readonly string[] = [],
  env: Record<string, string> = {},
) {
  const { id, port } = await runContainer(image, { DELAY_MS: '0', ...env }, run);
  for (let i = 0; i < 200; i++) {
    const status = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { id, port };
    await sleep(50);
  }
  throw new Error(`${image} never answered on port ${port}:\n${await engine.docker(['logs', id])}`);
}

async function exitCode(id: string): Promise<number> {
  return Number((await engine.docker(['inspect', '--format', '{{.State.ExitCode}}', id])).trim());
}

describe.skipIf(skip).concurrent('docker stop, by how the image starts the service', () => {
  it.each(CASES)('$pattern: exit $exitCode', async ({ image, run, exitCode: expected, killed }) => {
    const { id } = await runReady(image, run);
    const started = Date.now();
    await engine.docker(['stop', '--time', String(GRACE_S), id]);
    const ms = Date.now() - started;
    expect(await exitCode(id)).toBe(expected);
    // Killed at the grace period, or ended on the signal well before it.
    if (killed) expect(ms).toBeGreaterThanOrEqual(GRACE_S * 1000);
    else expect(ms).toBeLessThan(GRACE_S * 1000);
  });

  it('a hook of 1 s runs to its end before the exit 0', async () => {
    const { id } = await runReady('sh-test/exec-form', [], { DELAY_MS: '1000' });
    const started = Date.now();
    await engine.docker(['stop', '--time', String(GRACE_S), id]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await exitCode(id)).toBe(0);
    expect(await engine.docker(['logs', id])).toContain('database closed');
  });
});

describe.skipIf(skip)('the watchdog as PID 1', () => {
  it('ends a blocked event loop at the global deadline, though the kernel ignores a SIGKILL PID 1 sends itself', async () => {
    const script = [
      "const { configureShutdown, onShutdown } = require('shutdown-hooks');",
      'configureShutdown({ timeout: 500 });',
      "onShutdown('stuck', () => { for (;;) {} });",
      "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT));",
    ].join('\n');
    const { id, port } = await runContainer(BASE_IMAGE, {}, [], ['node', '-e', script]);
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`http://127.0.0.1:${port}/`).then(
          () => true,
          () => false,
        )
      )
        break;
      await sleep(50);
    }
    const started = Date.now();
    await engine.docker(['stop', '--time', '10', id]);
    const ms = Date.now() - started;
    // The deadline (500 ms) and the watchdog's grace (1 s), not the 10 s of `docker stop`.
    expect(ms).toBeLessThan(5000);
    expect(await exitCode(id)).toBe(137);
  });
});

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** `rehearse --image … --json` against the test engine; its exit status and JSON object. */
async function rehearseImage(args: readonly string[], grace = GRACE_S * 1000) {
  const quick = ['--rate', '50', '--warmup', '300', '--lag', '800', '--grace', String(grace)];
  const r = await runCli(['rehearse', '--json', ...quick, ...args], engine.env);
  return { code: r.code, json: r.stdout ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

describe.skipIf(skip)('rehearse --image', () => {
  it("passes the http example's image: 0 failed, the report from inside the container", async () => {
    const { code, json } = await rehearseImage(['--image', 'sh-test/http']);
    expect(json.requests.failed).toBe(0);
    expect(json.requests.ok).toBeGreaterThan(0);
    expect(
      json.report.hooks.map((h: { name: string; status: string }) => [h.name, h.status]),
    ).toEqual([
      ['drain http', 'ok'],
      ['close-db', 'ok'],
    ]);
    expect(json.container).toEqual({
      engine: 'docker',
      image: 'sh-test/http',
      pid1: 'node server.mjs',
      init: false,
      exitCode: 0,
      oomKilled: false,
    });
    expect(json.notes).toEqual([]);
    expect(json.verdict).toBe('pass');
    expect(code).toBe(0);
  });

  it("--platform fly: the engine sends Fly's SIGINT whatever the image says, and the service takes Fly's defaults", async () => {
    const { code, json } = await rehearseImage(
      ['--image', 'sh-test/http', '--platform', 'fly'],
      5000,
    );
    expect(json.platform).toBe('fly');
    expect(json.report).toMatchObject({ platform: 'fly', reason: 'SIGINT', exitCode: 0 });
    expect(json.exit.killed).toBe(false);
    expect(json.requests.failed).toBe(0);
    expect(code).toBe(0);
  });

  it('fails the shell-form image, naming PID 1 and the fix', async () => {
    const { code, json } = await rehearseImage(['--image', 'sh-test/shell-form']);
    expect(json.container.pid1).toBe('/bin/sh -c node server.mjs');
    expect(json.notes).toHaveLength(1);
    expect(json.notes[0]).toMatch(
      /^PID 1 in the container is a shell \(\/bin\/sh -c node server\.mjs\) that ran the service as its child: the stop signal went to sh, and the service never saw it\. To fix it, use the exec form/,
    );
    expect(json.verdict).toBe('fail');
    expect(code).toBe(1);
  });

  it('fails the npm start image, naming PID 1 and the fix', async () => {
    const { code, json } = await rehearseImage(['--image', 'sh-test/npm-start']);
    expect(json.container.pid1).toBe('npm start');
    expect(json.notes).toHaveLength(1);
    expect(json.notes[0]).toMatch(/^PID 1 in the container is npm \(npm start\)/);
    expect(code).toBe(1);
  });

  it('fails the image whose service has no handler, naming PID 1 and the fix', async () => {
    const { code, json } = await rehearseImage(['--image', 'sh-test/no-handler', '--ready', '/']);
    expect(json.exit.killed).toBe(true);
    expect(json.container.exitCode).toBe(137);
    expect(json.notes).toEqual([
      expect.stringMatching(
        /^PID 1 \(node plain\.mjs\) did not stop on the stop signal and was killed at the grace period \(exit 137\), with no report: as PID 1, Node ignores SIGTERM unless something handles it\. To fix it, handle SIGTERM .* or run the container with an init/,
      ),
    ]);
    expect(code).toBe(1);
  });

  it('runs a preStop exec: sleep in the container before the stop', async () => {
    // A grace period that leaves the service its delay and drain after the preStop: `docker
    // stop --time` takes whole seconds, rounded down.
    const { code, json } = await rehearseImage(
      ['--image', 'sh-test/http', '--pre-stop', 'exec:sleep 1', '--lag', '1500'],
      8000,
    );
    // The stop came once the preStop had slept 1 s in the container; then the service's own
    // delay of 1 s, and the drain.
    expect(json.requests.failed).toBe(0);
    expect(json.exit.ms).toBeGreaterThanOrEqual(2000);
    expect(json.verdict).toBe('pass');
    expect(code).toBe(0);
  });

  it('a container that exits before it is ready: exit 1, with its last lines', async () => {
    const { code, stderr } = await rehearseImage([
      '--image',
      BASE_IMAGE,
      '--',
      'node',
      '-e',
      "console.error('config missing'); process.exit(3)",
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'shutdown-hooks rehearse: the service exited (code 3) before it was ready; it printed:\n  config missing\n',
    );
    expect(
      await engine.docker(['ps', '--all', '--quiet', '--filter', 'label=shutdown-hooks.rehearse']),
    ).toBe('');
  });

  it('removes the container when the rehearsal itself is stopped (Ctrl-C)', async () => {
    const proc = spawn(
      process.execPath,
      [cli, 'rehearse', '--warmup', '60000', '--image', 'sh-test/http'],
      { env: { ...engine.env, DEBUG: '' }, stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const ours = () =>
      engine.docker(['ps', '--all', '--quiet', '--filter', 'label=shutdown-hooks.rehearse']);
    for (let i = 0; i < 200 && (await ours()) === ''; i++) await sleep(50);
    expect(await ours()).not.toBe('');
    const exited = new Promise<number | null>((resolve) => proc.on('close', resolve));
    proc.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await ours()).toBe('');
  });

  it('refuses an image that is not here, without pulling it: exit 2', async () => {
    const { code, stderr } = await rehearseImage(['--image', 'sh-test/absent:1']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'shutdown-hooks rehearse: the image sh-test/absent:1 is not here (docker image inspect found nothing), and it is not pulled without --pull\n',
    );
  });
});

/**
 * The http example as a container: with host networking on a port of its own, its delay set;
 * the kubelet's preStop (`docker exec`), then `docker stop` with the grace period left.
 */
async function containerReplica(delay: number, preStop: readonly string[] = []): Promise<Replica> {
  const { id, port } = await runContainer('sh-test/exec-form', { DELAY_MS: String(delay) });
  await untilReady(port);
  return {
    port,
    async terminate() {
      const started = Date.now();
      if (preStop.length > 0) await engine.docker(['exec', id, ...preStop]);
      const left = Math.floor((GRACE - (Date.now() - started)) / 1000);
      await engine.docker(['stop', '--time', String(left), id]);
      const code = await exitCode(id);
      return { code, killed: code === 137 && Date.now() - started >= left * 1000 };
    },
    async kill() {
      await engine.docker(['rm', '--force', id]);
    },
  };
}

const nginx = findNginx();
describe.skipIf(skip || (!nginx && !REQUIRED))(
  'a rolling update of containers behind nginx',
  () => {
    const run = (delay: number, preStop?: readonly string[]) =>
      rollout(
        (upstreams) => Nginx.start(nginx!, upstreams),
        () => containerReplica(delay, preStop),
      );

    it('loses no request with a delay longer than the lag', async () => {
      const { load, exits } = await run(2000);
      expect(load.sent).toBeGreaterThan(300);
      expect(load.byKind).toEqual(lostNothing(load));
      expect(exits).toEqual([
        { code: 0, killed: false },
        { code: 0, killed: false },
      ]);
    }, 60_000);

    it('loses no request with a preStop exec: sleep longer than the lag, and no delay', async () => {
      const { load, exits } = await run(0, ['sleep', '2']);
      expect(load.byKind).toEqual(lostNothing(load));
      expect(exits.map((e) => e.code)).toEqual([0, 0]);
    }, 60_000);

    it('loses requests with delay 0 and no preStop (the test can see loss)', async () => {
      const { load } = await run(0);
      expect(load.sent - load.byKind.ok).toBeGreaterThan(0);
    }, 60_000);
  },
);
