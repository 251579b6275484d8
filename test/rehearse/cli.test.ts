import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/core/platform.js';
import { REHEARSE_DEFAULTS } from '../../src/rehearse/options.js';
import { BUN_CLOSES_IDLE, fixture, notOn, RUN, runCli as run, script } from '../support/child.js';

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
/** Short rehearsals: 50 requests/s, 300 ms of warmup, an endpoint lag of 800 ms. */
const quick = ['--rate', '50', '--warmup', '300', '--lag', '800', '--grace', '8000'];

/** A short rehearsal of a server that answers 200 on every path, /ready included. */
const rehearseText = (...command: string[]) =>
  run(['rehearse', '--ready', '/', ...quick, '--', ...command]);

/** Runs a rehearsal with --json; its exit status and its one JSON object. */
async function rehearseJson(args: string[], env: Record<string, string> = {}) {
  const r = await run(['rehearse', '--json', ...quick, ...args], env);
  return { code: r.code, json: JSON.parse(r.stdout) };
}

/** Each hook of the service's own report, as [name, status]. */
const statuses = (json: { report: { hooks: { name: string; status: string }[] } }) =>
  json.report.hooks.map((h) => [h.name, h.status]);

/** Whether a process is gone (or only a zombie waiting to be reaped). */
function gone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || / Z /.test(readFileSync(stat, 'utf8'));
}

describe('shutdown-hooks rehearse', () => {
  it('passes a service that keeps serving through the lag: 0 failed, its own report shown', async () => {
    const { code, json } = await rehearseJson(['--', ...RUN, example('express.mjs')], {
      EXPRESS_PACKAGE: 'express5',
      DELAY_MS: '1200',
    });
    expect(code).toBe(0);
    expect(Object.keys(json)).toEqual([
      'verdict',
      'platform',
      'requests',
      'exit',
      'readiness',
      'report',
      'container',
      'notes',
      'startedAt',
      'settings',
      'timeline',
    ]);
    expect(json.container).toBeNull();
    expect(json.notes).toEqual([]);
    expect(json.verdict).toBe('pass');
    expect(json.requests.failed).toBe(0);
    expect(json.requests.ok).toBe(json.requests.sent);
    expect(json.requests.sent).toBeGreaterThan(0);
    expect(json.exit).toMatchObject({ code: 0, signal: null, killed: false });
    expect(json.readiness.flippedMs).not.toBeNull();
    expect(json.report.reason).toBe('SIGTERM');
    expect(statuses(json)).toEqual([
      ['drain http', 'ok'],
      ['close-db', 'ok'],
    ]);
  });

  it.each(['express', 'fastify'])(
    "passes the NestJS example on %s under load: 0 failed, Nest's lifecycle after the drain",
    async (platform) => {
      const { code, json } = await rehearseJson(['--', ...RUN, example('nestjs.mjs')], {
        NEST_PLATFORM: platform,
        DELAY_MS: '1200',
      });
      expect(json.requests.failed).toBe(0);
      expect(json.requests.sent).toBeGreaterThan(0);
      expect(json.exit).toMatchObject({ code: 0, signal: null, killed: false });
      // A query after the pool ended would have failed a request (a 500).
      expect(statuses(json)).toEqual([
        ['nest', 'ok'],
        ['nest close', 'ok'],
      ]);
      expect(json.verdict).toBe('pass');
      expect(code).toBe(0);
    },
  );

  it('passes the NestJS example as docs/http.md shows it (delay 5000, the default timeout), with 1.5 s requests until the delay ends', async () => {
    // The endpoint routes for 4.9 s, so requests arrive until the drain begins at 5 s and take
    // 1.5 s more: they must not be cut by a drain deadline counted from the start, delay included.
    const { code, json } = await rehearseJson(
      ['--rate', '10', '--warmup', '1000', '--lag', '4900', '--', ...RUN, example('nestjs.mjs')],
      { QUERY_MS: '1500' },
    );
    expect(json.requests.failed).toBe(0);
    expect(json.requests.ok).toBeGreaterThan(10);
    expect(json.exit).toMatchObject({ code: 0, signal: null, killed: false });
    expect(statuses(json)).toEqual([
      ['nest', 'ok'],
      ['nest close', 'ok'],
    ]);
    expect(code).toBe(0);
  });

  it('fails a plain server with no SIGTERM handler, and says why', async () => {
    const r = await rehearseText(...RUN, fixture('plain-server.mjs'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Requests: \d+ sent, \d+ ok, [1-9]\d* failed/);
    expect(r.stdout).toMatch(/refused\s+[1-9]/);
    expect(r.stdout).toContain('Exit: signal SIGTERM');
    expect(r.stdout).toContain("The service's report: none");
    expect(r.stdout).toContain('nothing handled the signal');
    expect(r.stdout).toMatch(
      /keep serving through the lag \(with shutdown-hooks: a `delay` longer than 800 ms\)/,
    );
    expect(r.stdout.trim().split('\n').at(-1)).toBe('FAIL');
  });

  it('fails a server that closes on SIGTERM without a delay: refused during the lag', async () => {
    // Every connection closed at once: with server.close() alone, keep-alive connections that
    // are busy at that moment go on being served, and whether any request fails depends on timing.
    const { code, json } = await rehearseJson(
      ['--ready', '/', '--', ...RUN, fixture('plain-server.mjs')],
      { CLOSE_ON_SIGTERM: 'all' },
    );
    expect(code).toBe(1);
    expect(json.verdict).toBe('fail');
    expect(json.exit).toMatchObject({ code: 0, killed: false });
    expect(json.requests.byKind.refused).toBeGreaterThan(0);
    expect(json.report).toBeNull();
  });

  it('says when the signal goes to a shell instead of the service, and nothing else', async () => {
    const { code, json } = await rehearseJson([
      '--ready',
      '/',
      '--',
      'sh',
      '-c',
      `${RUN.join(' ')} ${fixture('plain-server.mjs')}`,
    ]);
    expect(code).toBe(1);
    expect(json.notes).toHaveLength(1);
    expect(json.notes[0]).toMatch(
      /^the command's first process is a shell \(sh, pid \d+\) that ran the service as its child \(pid \d+\): SIGTERM went to sh, and the service never saw it\. To fix it, make the shell exec the service/,
    );
  });

  it('says when the signal goes to npm instead of the service, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-npm-start-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ scripts: { start: `${RUN.join(' ')} ${fixture('plain-server.mjs')}` } }),
    );
    const { code, json } = await rehearseJson([
      '--ready',
      '/',
      '--',
      'npm',
      'start',
      '--prefix',
      dir,
    ]);
    expect(code).toBe(1);
    expect(json.notes).toHaveLength(1);
    expect(json.notes[0]).toMatch(
      /^the command's first process is npm \(npm, pid \d+\) that ran the service as its child .*To fix it, run node directly \(node server.js\), or start it with exec in the script/,
    );
  });

  it('says nothing of exec for a cluster primary that forwards the stop to its workers', async () => {
    const { code, json } = await rehearseJson(['--', ...RUN, example('cluster.mjs')], {
      DELAY_MS: '1200',
    });
    expect(json.notes).toEqual([]);
    expect(json.verdict).toBe('pass');
    expect(code).toBe(0);
  });

  it('refuses a load URL that does not answer 2xx or 3xx before termination: exit 2', async () => {
    const r = await run(['rehearse', ...quick, '--', ...RUN, fixture('plain-server.mjs')], {
      STATUS: '404',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^shutdown-hooks rehearse: the load URL http:\/\/127\.0\.0\.1:\d+\/ answered 404 before termination, not 2xx or 3xx: pass --url/,
    );
    expect(r.stdout).toBe('');
  });

  it('takes a path as the load URL, on the service port', async () => {
    const { code, json } = await rehearseJson(
      ['--url', '/ready', '--', ...RUN, fixture('plain-server.mjs')],
      { STATUS: '404' },
    );
    // /ready answers 200: the rehearsal runs (and fails, as a plain server does).
    expect(json.requests.byKind.ok).toBeGreaterThan(0);
    expect(code).toBe(1);
  });

  it('passes a service whose preStop sleep covers the lag, though it closes at once on SIGTERM', async () => {
    const { code, json } = await rehearseJson(
      ['--ready', '/', '--pre-stop', 'sleep:1000', '--', ...RUN, fixture('plain-server.mjs')],
      { CLOSE_ON_SIGTERM: '1' },
    );
    expect(json.requests.failed).toBe(0);
    expect(json.verdict).toBe('pass');
    expect(json.exit.ms).toBeGreaterThanOrEqual(1000);
    expect(code).toBe(0);
  });

  it('passes a service using preStopHandler as its httpGet preStop', async () => {
    const { code, json } = await rehearseJson(
      ['--pre-stop', 'http:/pre-stop', '--', ...RUN, example('http.mjs')],
      { DELAY_MS: '1200' },
    );
    expect(json.requests.failed).toBe(0);
    expect(json.report.reason).toBe('preStop');
    // The kubelet's SIGTERM may come as the shutdown ends: it must not kill the process then.
    expect(json.exit).toMatchObject({ code: 0, signal: null });
    expect(json.verdict).toBe('pass');
    expect(code).toBe(0);
  });

  it('kills a service that ignores the signal at the grace period, and fails it', async () => {
    const { code, json } = await rehearseJson([
      '--ready',
      '/',
      '--grace',
      '1500',
      '--signal',
      'SIGUSR2',
      '--',
      ...RUN,
      script(
        `process.on('SIGUSR2', () => {}); require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)`,
      ),
    ]);
    expect(code).toBe(1);
    expect(json.exit).toMatchObject({ code: null, signal: 'SIGKILL', killed: true });
    expect(json.requests.failed).toBe(0);
  });
});

describe('shutdown-hooks rehearse: bad usage and failing services', () => {
  it.each([
    [['rehearse', '--rat', '5', '--', 'node', 'x.js'], /Unknown option '--rat'/],
    [['rehearse'], /missing the service command/],
    [['rehearse', '--rate', 'fast', '--', 'node'], /--rate must be a number/],
    [
      ['rehearse', '--pre-stop', 'wait:5', '--', 'node'],
      /--pre-stop must be sleep:<ms>, http:<path> or exec:<command>/,
    ],
    [['rehearse', '--signal', 'SIGNOPE', '--', 'node'], /--signal must be a signal name/],
    [['rehearse', '--ready', 'ready', '--', 'node'], /--ready must be a path/],
    [['deploy'], /unknown command "deploy"/],
  ])('%j exits 2 with one clear line', async (args, message) => {
    const r = await run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('prints its options with their defaults on --help, and the platforms with their figures', async () => {
    const r = await run(['rehearse', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`--lag <ms>`);
    expect(r.stdout).toContain(`[${REHEARSE_DEFAULTS.lag}]`);
    expect(r.stdout).toContain(`[${REHEARSE_DEFAULTS.grace}]`);
    for (const row of PLATFORMS) {
      expect(r.stdout).toMatch(
        new RegExp(`${row.name} +${row.signal} +grace +${row.graceMs} ms +lag ${row.lagMs} ms`),
      );
    }
  });

  // With PM2's delay of 0 the listener closes at the signal, under load: on Bun that closes idle
  // keep-alive connections at once, and a request written on one at that instant is reset.
  it.skipIf(notOn(['bun'], BUN_CLOSES_IDLE))(
    '--platform pm2 stops the service as PM2 does (SIGINT, SIGKILL at 1600 ms), and the service takes the pm2 defaults',
    async () => {
      const r = await run(
        [
          'rehearse',
          '--json',
          '--rate',
          '50',
          '--warmup',
          '300',
          '--platform',
          'pm2',
          '--',
          ...RUN,
          example('http.mjs'),
        ],
        { DELAY_MS: '0' },
      );
      const json = JSON.parse(r.stdout);
      // On a failure, the whole rehearsal says why (the exit, the failed requests, the report).
      expect(r.code, r.stdout).toBe(0);
      expect(json.platform).toBe('pm2');
      expect(json.report).toMatchObject({ platform: 'pm2', reason: 'SIGINT', exitCode: 0 });
      expect(json.exit).toMatchObject({ code: 0, killed: false });
      expect(json.exit.ms).toBeLessThan(1600);
      expect(json.requests.failed).toBe(0);
    },
  );

  it('does not queue what the service cannot take: requests beyond the connections are unsent, not refused, and a note says so', async () => {
    const r = await run(
      [
        'rehearse',
        '--json',
        ...quick,
        '--rate',
        '100',
        '--connections',
        '2',
        '--',
        ...RUN,
        example('http.mjs'),
      ],
      { DELAY_MS: '1200' },
    );
    const json = JSON.parse(r.stdout);
    // 2 connections of 100 ms answers carry 20 a second: most of the 100 asked are never sent.
    expect(json.requests.unsent).toBeGreaterThan(json.requests.sent);
    expect(json.requests.failed).toBe(0);
    expect(json.notes).toEqual([
      expect.stringMatching(
        /^the load could not keep 100 requests a second: \d+ were never sent, as every one of the 2 connections/,
      ),
    ]);
    expect(json.verdict).toBe('pass');
    expect(r.code).toBe(0);
  });

  it('--platform with a name it does not know: exit 2, naming the rows', async () => {
    const r = await run(['rehearse', '--platform', 'flyio', '--', ...RUN, example('http.mjs')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--platform must be one of pm2, kubernetes, .*docker, got "flyio"/);
  });

  it('a command that exits before it is ready: exit 1 with its last output', async () => {
    const r = await run([
      'rehearse',
      '--',
      ...RUN,
      script("console.error('config missing'); process.exit(3)"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the service exited \(code 3\) before it was ready; it printed:\n\s+config missing/,
    );
  });

  it('a port that never opens, or a readiness path that never says 200: exit 1, nothing left running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-test-'));
    const pidFile = join(dir, 'pid');
    const never = await run(
      ['rehearse', '--ready-timeout', '500', '--', ...RUN, fixture('plain-server.mjs')],
      {
        NEVER_LISTEN: '1',
        PID_FILE: pidFile,
      },
    );
    expect(never.code).toBe(1);
    expect(never.stderr).toMatch(
      /nothing answered on http:\/\/127\.0\.0\.1:\d+\/ready within 500 ms/,
    );
    expect(gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);

    const notReady = await run([
      'rehearse',
      '--ready',
      '/missing',
      '--ready-timeout',
      '500',
      '--',
      ...RUN,
      script(
        `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); require('node:http').createServer((q, s) => { s.statusCode = 404; s.end(); }).listen(process.env.PORT)`,
      ),
    ]);
    expect(notReady.code).toBe(1);
    expect(notReady.stderr).toMatch(/\/missing answered 404, not 200, for 500 ms: pass --ready/);
    expect(gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('--image with no engine on PATH, or a remote one: exit 2 with one clear line', async () => {
    const none = await run(['rehearse', '--image', 'my-api:1'], { PATH: '/nonexistent' });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'shutdown-hooks rehearse: no container engine found: neither docker nor podman is on PATH\n',
    );
    const remote = await run(['rehearse', '--image', 'my-api:1', '--engine', 'docker'], {
      DOCKER_HOST: 'tcp://10.0.0.1:2375',
    });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(
      /^shutdown-hooks rehearse: docker runs on tcp:\/\/10\.0\.0\.1:2375: the rehearsal needs a local engine/,
    );
  });

  it('a command that cannot be started: exit 1', async () => {
    const r = await run(['rehearse', '--', '/nonexistent/service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the service exited \(code 127\) before it was ready/);
  });
});
