import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, RUNTIME, spawnNode, spawnRuntime, spawnService } from '../support/child.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('errors, natural exit and loading', () => {
  it('an uncaught exception is printed as Node would, the hooks run, exit 1', async () => {
    const r = await spawnNode([fixture('crash.mjs'), 'throw']).result;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('cleanup ran');
    expect(r.stderr).toContain('Error: unexpected state in handler');
    // Node's stack names the timer; Bun's and Deno's name the file.
    expect(r.stderr).toMatch(RUNTIME === 'node' ? /at Timeout/ : /crash\.mjs/);
    expect(r.stderr).toContain('Node.js v');
  });

  it('an unhandled rejection is printed, the hooks run, exit 1', async () => {
    const r = await spawnNode([fixture('crash.mjs'), 'reject']).result;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('cleanup ran');
    expect(r.stderr).toContain('Error: nobody caught this rejection');
  });

  it('runs the hooks when the program ends on its own, with its exit code', async () => {
    const clean = await spawnNode([fixture('natural-exit.mjs')]).result;
    expect(clean.code).toBe(0);
    expect(clean.lines).toEqual(['work done', 'close-db ran']);
    const coded = await spawnNode([fixture('natural-exit.mjs'), '3']).result;
    expect(coded.code).toBe(3);
    expect(coded.lines).toEqual(['work done', 'close-db ran']);
  });

  it('names the hooks skipped when someone calls process.exit() directly', async () => {
    const r = await spawnNode([fixture('direct-exit.mjs')], {
      env: { DEBUG: 'shutdown-hooks:core' },
    }).result;
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /process\.exit\(5\) was called directly.*Never started: flush-metrics\. Cut off while running: none/,
    );
  });

  it.each([
    [['later', 'last'], 'later, last'],
    [[], 'none'],
  ])(
    'a process.exit() during the shutdown says on stderr, without DEBUG, which hooks it cut and which never started (%j)',
    async (after, never) => {
      const child = spawnService({
        hooks: [
          { name: 'flush', priority: 10, does: 'wait:1000' },
          { name: 'rude', priority: 10, does: 'exit:3' },
          ...after.map((name, i) => ({ name, priority: -i, does: 'ok' })),
        ],
      });
      await child.ready;
      child.proc.kill('SIGTERM');
      const r = await child.result;
      expect(r.code).toBe(3);
      expect(r.lines).not.toContain('start later');
      expect(r.stderr).toBe(
        `shutdown-hooks: process.exit(3) was called directly; async hooks cannot run. Never started: ${never}. Cut off while running: flush, rude\n`,
      );
    },
  );

  it('a process.exit() before any shutdown stays quiet without DEBUG', async () => {
    const r = await spawnNode([fixture('direct-exit.mjs')]).result;
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('');
  });

  it('at the global deadline, the report names what still held the process open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const file = join(dir, 'report.json');
    const child = spawnService(
      { options: { timeout: 300 }, hooks: [{ name: 'stuck', does: 'hang' }] },
      { SHUTDOWN_HOOKS_REPORT_FILE: file, DEBUG: 'shutdown-hooks:core' },
    );
    await child.ready;
    child.proc.kill('SIGTERM');
    const r = await child.result;
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.timedOut).toBe(true);
    expect(report.hooks).toMatchObject([{ name: 'stuck', status: 'timeout' }]);
    if (RUNTIME === 'bun') {
      // Bun lists nothing (process.getActiveResourcesInfo() is empty), and debug says so.
      expect(report.activeResources).toEqual({});
      expect(r.stderr).toContain('Bun does not list what holds the process open');
      return;
    }
    // The service keeps itself alive with an interval: a Timeout among what was still open.
    expect(report.activeResources.Timeout).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/still open at the global deadline: .*Timeout/);
  });

  it('exits 1 promptly when stderr is a broken pipe and an error is thrown during shutdown', async () => {
    const proc = spawnRuntime([fixture('broken-stderr.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, DEBUG: '' },
    });
    const messages: unknown[] = [];
    proc.on('message', (m) => messages.push(m));
    await once(proc, 'message');
    // The log reader is gone: every write to stdout or stderr now fails with EPIPE.
    proc.stdout!.destroy();
    proc.stderr!.destroy();
    proc.kill('SIGTERM');
    const [code, signal] = await once(proc, 'exit');
    // Not SIGKILLed by the watchdog after an error loop: ended by the shutdown itself.
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    expect(messages).toEqual(['ready', { exitCode: 1, error: 'Error: thrown during shutdown' }]);
  });

  it('adds no listener at import, in either build', async () => {
    const r = await spawnNode([fixture('import-only.cjs')]).result;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.lines[0]!)).toEqual({
      before: [0, 0, 0, 0, 0, 0],
      after: [0, 0, 0, 0, 0, 0],
      cjs: 'function',
      esm: 'function',
      flag: false,
    });
  });

  it('copies of the package loaded from two paths share one registry and one listener', async () => {
    const copy = `${root}test/.tmp/other/node_modules/shutdown-hooks`;
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    cpSync(`${root}dist`, `${copy}/dist`, { recursive: true });
    cpSync(`${root}package.json`, `${copy}/package.json`);
    // The copy resolves its dependencies through the project's node_modules, as a nested copy would.
    expect(existsSync(`${copy}/dist/index.cjs`)).toBe(true);
    expect(JSON.parse(readFileSync(`${copy}/package.json`, 'utf8')).name).toBe('shutdown-hooks');
    const child = spawnNode([fixture('two-copies.cjs'), copy]);
    await child.ready;
    child.proc.kill('SIGTERM');
    const r = await child.result;
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      'same=true listeners=1',
      'ready',
      'esm-copy',
      'other-path-copy',
      'cjs-copy',
    ]);
  });
});
