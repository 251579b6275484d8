import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type ChildResult, fixture, NODE, notOn, spawnNode } from '../support/child.js';

interface Report {
  exitCode: number;
  hooks: { name: string; status: string; error?: string }[];
}

/** Runs supervisor.mjs with a target, sends SIGTERM once the target is ready; how it ended. */
async function stopTree(
  kind: string,
  behaviour: string,
  env: Record<string, string> = {},
): Promise<{ result: ChildResult; report: Report }> {
  const parent = spawnNode([fixture('supervisor.mjs'), kind, behaviour], { env });
  await parent.ready;
  parent.proc.kill('SIGTERM');
  const result = await parent.result;
  const line = result.lines.find((l) => l.startsWith('report '));
  if (!line) throw new Error(`no report:\n${result.stdout}\n${result.stderr}`);
  return { result, report: JSON.parse(line.slice('report '.length)) };
}

/** Whether a process is gone (or a zombie: a killed child whose parent is gone). */
function gone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  const text = readFileSync(stat, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).startsWith('Z');
}

/** Waits, bounded, until `file` has a line matching `pattern`; returns the file's text. */
async function waitForLine(file: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (pattern.test(text)) return text;
    await sleep(10);
  }
  throw new Error(`${pattern} never appeared in ${file}`);
}

describe('supervise: the stop reaches every kind of target', () => {
  it.each(['spawn', 'fork', 'detached', 'cluster', 'thread'])(
    '%s: the target runs its own hooks, then the parent exits 0',
    async (kind) => {
      const { result, report } = await stopTree(kind, 'graceful');
      expect(result.lines).toContain('target: hook ran, reason SIGTERM');
      if (kind === 'thread') expect(result.lines).toContain('target: signal listeners 0');
      expect(report.exitCode).toBe(0);
      expect(report.hooks[0]!.status).toBe('ok');
      expect(report.hooks[0]!.name).toMatch(/^(child \d+|cluster worker 1|thread 1)$/);
      expect(result.code).toBe(0);
    },
  );
});

describe('supervise: targets that do not stop cleanly', () => {
  it.each(['spawn', 'cluster', 'thread'])(
    '%s that ignores the stop is killed at the deadline: timeout, exit 1',
    async (kind) => {
      const { result, report } = await stopTree(kind, 'ignore', { TIMEOUT: '800' });
      expect(report.hooks[0]!.status).toBe('timeout');
      expect(report.hooks[0]!.error).toMatch(/It was killed/);
      expect(report.exitCode).toBe(1);
      expect(result.code).toBe(1);
    },
  );

  it.each([
    ['spawn', /exited with code 3/],
    ['fork', /exited with code 3/],
    ['thread', /exited with code 1/],
  ])('%s that fails: error naming how it ended, exit 1', async (kind, how) => {
    const { result, report } = await stopTree(kind, 'fail');
    expect(report.hooks[0]!.status).toBe('error');
    expect(report.hooks[0]!.error).toMatch(how);
    expect(result.code).toBe(1);
  });

  it.each(['spawn', 'thread'])(
    '%s that ends on its own before the shutdown is unregistered',
    async (kind) => {
      const parent = spawnNode([fixture('supervisor.mjs'), kind, 'quick']);
      await parent.waitFor('target exited');
      parent.proc.kill('SIGTERM');
      const r = await parent.result;
      const line = r.lines.find((l) => l.startsWith('report '))!;
      expect((JSON.parse(line.slice(7)) as Report).hooks.map((h) => h.name)).toEqual([
        'parent work',
      ]);
      expect(r.code).toBe(0);
    },
  );
});

describe('inside a worker thread', () => {
  it("a hook that blocks the thread: the supervisor terminates it; the thread's watchdog never kills the process", async () => {
    // The thread's own deadline (300 ms, + 1 s of watchdog grace) comes long before the
    // supervisor's (75 % of 3200 ms): a watchdog in the thread would SIGKILL the whole process.
    const { result, report } = await stopTree('thread', 'block', {
      TIMEOUT: '3200',
      CHILD_TIMEOUT: '300',
    });
    expect(result.lines).toContain('target: signal listeners 0');
    expect(report.hooks.map((h) => h.status)).toEqual(['timeout', 'ok']);
    expect(result.code).toBe(1);
    expect(result.signal).toBeNull();
  });
});

describe('PM2', () => {
  it("with shutdownMessage: true, the 'shutdown' message starts the shutdown", async () => {
    const { fork } = await import('node:child_process');
    const out = join(mkdtempSync(join(tmpdir(), 'pm2-')), 'out');
    const child = fork(fixture('supervised.mjs'), ['graceful'], {
      env: { ...process.env, OUT: out, SHUTDOWN_MESSAGE: 'on', DEBUG: '' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execPath: NODE,
    });
    await waitForLine(out, /ready/);
    child.send('shutdown');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('hook ran, reason shutdown');
  });
});

describe('parent loss', () => {
  const deno =
    'a Deno cluster worker whose primary is SIGKILLed under the test runner ends at once, without its hooks (started from a shell, it shuts down gracefully: docs/runtimes.md)';
  it.each(notOn(['deno'], deno) ? ['fork'] : ['fork', 'cluster'])(
    'a %s child whose parent dies shuts down gracefully (reason disconnect)',
    async (kind) => {
      const out = join(mkdtempSync(join(tmpdir(), 'parent-loss-')), 'out');
      const parent = spawnNode([fixture('supervisor.mjs'), kind, 'graceful'], {
        env: { OUT: out },
      });
      await parent.ready;
      const pid = Number(/target pid (\d+)/.exec(parent.output())![1]);
      parent.proc.kill('SIGKILL');
      const text = await waitForLine(out, /hook ran/);
      expect(text).toContain(`${pid} parent gone`);
      expect(text).toContain(`${pid} hook ran, reason disconnect`);
      for (let i = 0; i < 300 && !gone(pid); i++) await sleep(10);
      expect(gone(pid)).toBe(true);
    },
  );

  it.each(notOn(['deno'], deno) ? ['fork'] : ['fork', 'cluster'])(
    'a %s child already shutting down when its parent dies finishes its hooks',
    async (kind) => {
      const out = join(mkdtempSync(join(tmpdir(), 'parent-loss-')), 'out');
      const parent = spawnNode([fixture('supervisor.mjs'), kind, 'graceful'], {
        env: { OUT: out, HOOK_MS: '500' },
      });
      await parent.ready;
      const pid = Number(/target pid (\d+)/.exec(parent.output())![1]);
      process.kill(pid, 'SIGTERM');
      await waitForLine(out, /shutdown began/);
      parent.proc.kill('SIGKILL');
      await waitForLine(out, /parent gone/);
      const text = await waitForLine(out, /hook ran/);
      expect(text).toContain(`${pid} hook ran, reason SIGTERM`);
      for (let i = 0; i < 300 && !gone(pid); i++) await sleep(10);
      expect(gone(pid)).toBe(true);
    },
  );

  it('a parent that disconnects on purpose, and lives on, leaves the child running', async () => {
    const { fork } = await import('node:child_process');
    const out = join(mkdtempSync(join(tmpdir(), 'parent-loss-')), 'out');
    const child = fork(fixture('supervised.mjs'), ['graceful'], {
      env: { ...process.env, OUT: out, DEBUG: 'shutdown-hooks:core' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execPath: NODE,
    });
    let stderr = '';
    const decided = new Promise<void>((resolve) =>
      child.stderr!.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        if (stderr.includes('closed the IPC channel on purpose; carrying on')) resolve();
      }),
    );
    await waitForLine(out, /ready/);
    child.disconnect();
    await decided;
    // process.kill(): Deno reports a child signalled by ChildProcess#kill() as ended by the signal.
    process.kill(child.pid!, 'SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('hook ran, reason SIGTERM');
  });

  it.skipIf(
    notOn(['deno'], deno) ??
      notOn(
        ['bun'],
        "Bun's cluster does not mark a worker its primary disconnects as leaving on purpose (exitedAfterDisconnect stays false), so the worker shuts down gracefully with reason disconnect",
      ),
  )(
    'a cluster worker its primary disconnects on purpose is left to end the way Node ends it',
    async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'parent-loss-')), 'out');
      const parent = spawnNode([fixture('supervisor.mjs'), 'cluster', 'graceful'], {
        env: { OUT: out },
      });
      try {
        await parent.ready;
        const pid = Number(/target pid (\d+)/.exec(parent.output())![1]);
        parent.proc.kill('SIGUSR2');
        await waitForLine(out, /parent gone/);
        // Node ends such a worker once nothing holds it; this one holds a timer, so it runs on
        // until it is signalled, and only then runs its hooks.
        process.kill(pid, 'SIGTERM');
        const text = await waitForLine(out, /hook ran/);
        expect(text).toContain(`${pid} hook ran, reason SIGTERM`);
        expect(text).not.toContain('shutdown began, reason disconnect');
      } finally {
        parent.proc.kill('SIGKILL');
      }
    },
  );

  it('with disconnect: false, the orphan keeps running until it is signalled', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'parent-loss-')), 'out');
    const parent = spawnNode([fixture('supervisor.mjs'), 'fork', 'graceful'], {
      env: { OUT: out, DISCONNECT: 'off' },
    });
    await parent.ready;
    const pid = Number(/target pid (\d+)/.exec(parent.output())![1]);
    parent.proc.kill('SIGKILL');
    await waitForLine(out, /parent gone/);
    expect(gone(pid)).toBe(false);
    process.kill(pid, 'SIGTERM');
    const text = await waitForLine(out, /hook ran/);
    expect(text).toContain(`${pid} hook ran, reason SIGTERM`);
  });
});
