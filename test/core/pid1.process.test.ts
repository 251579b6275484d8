import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, NODE, spawnNode } from '../support/child.js';

// A new PID namespace makes the child PID 1, as in a container without --init. Needs root (or
// user namespaces); where the sandbox forbids it the test is skipped, and says why.
const probe = spawnSync('unshare', ['-fp', '--kill-child', NODE, '-p', 'process.pid'], {
  encoding: 'utf8',
});
const canBePid1 = probe.status === 0 && probe.stdout.trim() === '1';

describe.skipIf(!canBePid1)('as PID 1 (container without an init)', () => {
  it('shuts down cleanly on SIGTERM instead of ignoring it until SIGKILL', async () => {
    const child = spawnNode([NODE, fixture('service.mjs')], {
      command: ['unshare', '-fp', '--kill-child'],
      env: {
        SERVICE: JSON.stringify({ hooks: [{ name: 'flush', does: 'wait:20' }] }),
      },
    });
    await child.ready;
    // unshare forks the node process; signal that one, as `docker stop` signals PID 1.
    const inner = Number(
      readFileSync(`/proc/${child.proc.pid}/task/${child.proc.pid}/children`, 'utf8').trim(),
    );
    expect(readFileSync(`/proc/${inner}/status`, 'utf8')).toMatch(/NSpid:\s+\d+\s+1\b/);
    process.kill(inner, 'SIGTERM');
    const r = await child.result;
    expect(r.code).toBe(0);
    expect(r.lines).toContain('end flush ok');
  });

  it('the watchdog ends a blocked PID 1, which the kernel keeps from killing itself', async () => {
    const child = spawnNode([NODE, fixture('service.mjs')], {
      command: ['unshare', '-fp', '--kill-child'],
      env: {
        SERVICE: JSON.stringify({
          options: { timeout: 300 },
          hooks: [{ name: 'stuck', does: 'block' }],
        }),
        DEBUG: 'shutdown-hooks:watchdog',
      },
    });
    await child.ready;
    const inner = Number(
      readFileSync(`/proc/${child.proc.pid}/task/${child.proc.pid}/children`, 'utf8').trim(),
    );
    process.kill(inner, 'SIGTERM');
    // Without a way through, the process would block until the runtime's own SIGKILL: bound the
    // wait, far beyond the 300 ms timeout and the watchdog's 1 s grace.
    const stuck = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
    const r = await child.result;
    clearTimeout(stuck);
    expect(r.lines).toContain('start stuck');
    expect(r.code).toBe(137);
    expect(r.stderr).toMatch(
      /watchdog the event loop stayed blocked 1000 ms past the global deadline/,
    );
  });
});
