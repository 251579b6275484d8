import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture, NODE, notOn, spawnNode } from '../support/child.js';

// Node's permission model: `--permission` from Node 22, `--experimental-permission` on Node 20.
const skip = notOn(['bun', 'deno'], "Node's permission model (--permission) is Node's own");
const major = skip
  ? 0
  : Number(execFileSync(NODE, ['-p', 'process.versions.node.split(".")[0]']).toString());
const flag = major >= 22 ? '--permission' : '--experimental-permission';

describe.skipIf(skip)("under Node's permission model", () => {
  it('shuts down cleanly on SIGTERM, and says that no watchdog can run without --allow-worker', async () => {
    const child = spawnNode([flag, '--allow-fs-read=*', fixture('service.mjs')], {
      env: {
        SERVICE: JSON.stringify({ hooks: [{ name: 'flush', does: 'wait:20' }] }),
        DEBUG: 'shutdown-hooks:watchdog',
      },
    });
    await child.ready;
    child.proc.kill('SIGTERM');
    const r = await child.result;
    expect(r.code).toBe(0);
    expect(r.lines).toContain('end flush ok');
    expect(r.stderr).toMatch(/the permission model forbids worker threads \(no --allow-worker\)/);
  });
});
