// The Next.js example (examples/nextjs, its own lockfile) built with `next build` in a folder
// outside the project, beside the built library, and rehearsed: the standalone output copied to
// an isolated folder and run with `node server.js`, in Next's two configurations of the package
// (external, and bundled into the server chunks), a custom server, and `next start`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAside, NODE, runCli } from '../support/child.js';

const example = fileURLToPath(new URL('../../examples/nextjs/', import.meta.url));
let dir: string;
const isolated: Record<string, string> = {};

/** Builds the app with `config` as next.config.mjs; copies its standalone output aside. */
function build(name: string, config: string): void {
  writeFileSync(join(dir, 'next.config.mjs'), config);
  rmSync(join(dir, '.next'), { recursive: true, force: true });
  execFileSync(NODE, [join(dir, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: 'ignore',
  });
  const out = mkdtempSync(join(tmpdir(), `shutdown-hooks-next-${name}-`));
  cpSync(join(dir, '.next/standalone'), out, { recursive: true });
  isolated[name] = out;
}

beforeAll(() => {
  const files = ['app', 'instrumentation.js', 'next.config.mjs', 'server.mjs'].map((file) =>
    join(example, file),
  );
  dir = installAside('nextjs', example, files);
  build('bundled', "export default { output: 'standalone' };\n");
  // The example's own configuration (the package external) last: `next start` runs that build.
  build('external', readFileSync(join(example, 'next.config.mjs'), 'utf8'));
}, 300_000);

afterAll(() => {
  for (const out of Object.values(isolated)) rmSync(out, { recursive: true, force: true });
});

/** Rehearses `command` (the route of 100 ms under load, readiness at /ready; a delay of 1.2 s). */
async function rehearse(command: string[]) {
  const args = [
    '--json',
    '--url',
    '/api/work',
    '--ready',
    '/ready',
    '--lag',
    '800',
    '--grace',
    '8000',
  ];
  const r = await runCli(
    ['rehearse', '--rate', '50', '--warmup', '1000', ...args, '--', ...command],
    {
      DELAY_MS: '1200',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  );
  return { code: r.code, json: JSON.parse(r.stdout) };
}

describe('Next.js, where Next owns the server', () => {
  it.each(['external', 'bundled'])(
    'standalone (%s), run from an isolated copy: 0 failed, 503 during the delay, every hook ok, exit 0',
    async (name) => {
      const out = isolated[name]!;
      // What the library needs reached the standalone output: debug is traced now.
      if (name === 'external') {
        expect(existsSync(join(out, 'node_modules/shutdown-hooks/dist/next/index.js'))).toBe(true);
        expect(existsSync(join(out, 'node_modules/debug/package.json'))).toBe(true);
      }
      const { code, json } = await rehearse([NODE, join(out, 'server.js')]);
      expect(json.requests.failed).toBe(0);
      expect(json.requests.ok).toBeGreaterThan(20);
      expect(json.readiness.flippedMs).toBeLessThan(1200);
      expect(json.report.reason).toBe('SIGTERM');
      expect(
        json.report.hooks.map((h: { name: string; status: string }) => [h.name, h.status]),
      ).toEqual([
        ['drain next', 'ok'],
        ['close-db', 'ok'],
      ]);
      expect(json.exit).toMatchObject({ code: 0, killed: false });
      expect(json.verdict).toBe('pass');
      expect(code).toBe(0);
    },
    60_000,
  );

  it('a custom server drained with drainHttp: the same', async () => {
    const { code, json } = await rehearse([NODE, join(dir, 'server.mjs')]);
    expect(json.requests.failed).toBe(0);
    expect(json.readiness.flippedMs).toBeLessThan(1200);
    expect(
      json.report.hooks.map((h: { name: string; status: string }) => [h.name, h.status]),
    ).toEqual([
      ['drain http', 'ok'],
      ['close-db', 'ok'],
    ]);
    expect(json.exit).toMatchObject({ code: 0, killed: false });
    expect(code).toBe(0);
  }, 60_000);

  it('next start: the same', async () => {
    const { code, json } = await rehearse([
      NODE,
      join(dir, 'node_modules/next/dist/bin/next'),
      'start',
      dir,
    ]);
    expect(json.requests.failed).toBe(0);
    expect(json.report.hooks.map((h: { status: string }) => h.status)).toEqual(['ok', 'ok']);
    expect(json.exit).toMatchObject({ code: 0, killed: false });
    expect(code).toBe(0);
  }, 60_000);
});
