// NestJS 10 on both platforms: its own install (test/fixtures/nest10's lockfile, npm ci from the
// registry into a folder outside the project), the built package beside it, and the NestJS
// example copied in, so that every import resolves to Nest 10.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, installAside, spawnNode } from '../support/child.js';
import { Agent, request } from '../support/undici.js';

let dir: string;

beforeAll(() => {
  const example = fileURLToPath(new URL('../../examples/nestjs.mjs', import.meta.url));
  dir = installAside('nest10', fixture('nest10'), [example, join(fixture('nest10'), 'routes.mjs')]);
}, 120_000);

describe.each(['express', 'fastify'])('NestJS 10 on %s', (platform) => {
  it("drains, then runs Nest's lifecycle with no request in flight; exit 0", async () => {
    const version = JSON.parse(
      readFileSync(join(dir, 'node_modules/@nestjs/core/package.json'), 'utf8'),
    ).version as string;
    expect(version).toMatch(/^10\./);
    const child = spawnNode([join(dir, 'nestjs.mjs')], {
      cwd: dir,
      env: { PORT: '0', DELAY_MS: '500', NEST_PLATFORM: platform },
    });
    await child.waitFor(/^listening on /);
    const url = /^listening on (\S+)/m.exec(child.output())![1]!;
    const dispatcher = new Agent();
    const get = async (path: string) => {
      const res = await request(`${url}${path}`, { dispatcher });
      return { status: res.statusCode, body: await res.body.text() };
    };
    expect((await get('/ready')).status).toBe(200);
    // Sent just before the signal: served whether it arrives before it or during the delay.
    const inFlight = get('/');
    child.proc.kill('SIGTERM');
    let ready = 200;
    for (let i = 0; i < 200 && ready === 200; i++) ready = (await get('/ready')).status;
    expect(ready).toBe(503);
    expect((await get('/')).body).toMatch(/^hello/);
    expect((await inFlight).body).toMatch(/^hello/);
    await dispatcher.close();
    const r = await child.result;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines.slice(-2)).toEqual([
      'pool ended after 2 queries',
      'onApplicationShutdown(SIGTERM), 0 requests in flight',
    ]);
  });
});

describe('NestJS 10 on Express 4', () => {
  it('serves the readiness route with no body parser and no route of its own, and refuses a second GET /ready', async () => {
    // Express 4 makes its router with the first route or middleware, and its `router` getter
    // throws: the module must look for the application's routes without either.
    const r = await spawnNode([join(dir, 'routes.mjs')], { cwd: dir }).result;
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      bare: '200 ok\n',
      taken:
        "ShutdownHooksModule: the application already has a GET /ready route, where the module's `readinessPath` would go. Pass `readinessPath` another path, or false for none.",
    });
  });
});
