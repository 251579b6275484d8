// Every entry point loads, as ESM and as CommonJS, from an install that has the package's own
// dependencies only: no express, no fastify, no NestJS, none of this repository's dev tools.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installPackage, NODE, onlyOn, RUN, script, spawnNode } from './support/child.js';

// Outside the project: resolution must not climb into the repository's own node_modules.
const dir = join(tmpdir(), 'shutdown-hooks-install');
const ENTRIES = [
  'shutdown-hooks',
  'shutdown-hooks/http',
  'shutdown-hooks/express',
  'shutdown-hooks/fastify',
  'shutdown-hooks/testing',
  'shutdown-hooks/process',
  'shutdown-hooks/nestjs',
];

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  installPackage(dir);
});

describe('entry points without optional peers', () => {
  it.each(ENTRIES)('%s loads with require() and import()', async (entry) => {
    // An ES module, so that import() takes the package's ESM build on every runtime (Deno's
    // import() in a CommonJS file takes the require condition).
    const code = `
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)(${JSON.stringify(entry)});
      const esm = await import(${JSON.stringify(entry)});
      process.stdout.write(JSON.stringify({ cjs: Object.keys(cjs).sort(), esm: Object.keys(esm).filter((k) => k !== 'default').sort() }));`;
    const r = await spawnNode([script(code, dir, 'module')], { cwd: dir }).result;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { cjs, esm } = JSON.parse(r.stdout) as { cjs: string[]; esm: string[] };
    expect(cjs.length).toBeGreaterThan(0);
    expect(esm).toEqual(cjs.filter((k) => k !== 'default'));
    expect(() =>
      execFileSync(RUN[0]!, [...RUN.slice(1), script(`require.resolve('express')`, dir)], {
        cwd: dir,
        stdio: 'ignore',
      }),
    ).toThrow();
  });
});

describe('shutdown-hooks/next', () => {
  it.each([
    ['require()', 'require'],
    ['import()', 'import'],
  ])(
    'loads with %s without Next: it sets NEXT_MANUAL_SIG_HANDLE and installs the listeners',
    async (_name, how) => {
      const load =
        how === 'require'
          ? "require('shutdown-hooks/next')"
          : "await import('shutdown-hooks/next')";
      const code = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      ${load};
      const { getDefaultShutdown } = require('shutdown-hooks');
      process.stdout.write(JSON.stringify({
        manual: process.env.NEXT_MANUAL_SIG_HANDLE,
        sigterm: process.listenerCount('SIGTERM'),
        installed: getDefaultShutdown().state,
      }));
      process.exit(0);`;
      const r = await spawnNode([script(code, dir, 'module')], { cwd: dir }).result;
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ manual: 'true', sigterm: 1, installed: 'running' });
    },
  );
});

describe.skipIf(onlyOn(['deno'], 'Deno alone has permissions'))(
  'on Deno with no permission',
  () => {
    it('imports, registers, shuts down on its defaults and exits 0; DEBUG cannot be read, so it stays quiet', async () => {
      const code = `
      import { getDefaultShutdown, onShutdown, shutdown } from 'shutdown-hooks';
      import { drainHttp } from 'shutdown-hooks/http';
      onShutdown('flush', () => console.log('flush ran'));
      const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen() {} }, () => new Response('ok'));
      drainHttp(server);
      getDefaultShutdown().on('done', (report) => {
        console.log(JSON.stringify({ exitCode: report.exitCode, platform: report.platform, hooks: report.hooks.map((h) => h.name + ' ' + h.status) }));
      });
      void shutdown();`;
      // `deno run` with --allow-net for its server alone: no --allow-env, no --allow-read.
      const r = await spawnNode(['run', '--allow-net=127.0.0.1', script(code, dir, 'module')], {
        cwd: dir,
        command: [NODE],
        env: { DEBUG: 'shutdown-hooks:*', KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      }).result;
      expect(r.stderr).toBe('');
      expect(r.lines[0]).toBe('flush ran');
      // The Kubernetes variable could not be read: no platform, the plain defaults.
      expect(JSON.parse(r.lines[1]!)).toEqual({
        exitCode: 0,
        platform: null,
        hooks: ['drain deno ok', 'flush ok'],
      });
      expect(r.code).toBe(0);
    });
  },
);
