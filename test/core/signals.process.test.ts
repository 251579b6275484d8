import { describe, expect, it } from 'vitest';
import { fixture, notOn, spawnNode, spawnService, stopService } from '../support/child.js';

describe('real signals', () => {
  it('SIGTERM runs the hooks in priority order and exits 0', async () => {
    const r = await stopService({
      hooks: [
        { name: 'db', priority: 0, does: 'ok' },
        { name: 'http', priority: 300, does: 'wait:50' },
        { name: 'queue', does: 'wait:10' },
      ],
    });
    expect(r.code).toBe(0);
    expect(r.lines.slice(1)).toEqual([
      'shutdown SIGTERM',
      'start http',
      'end http ok',
      'start queue',
      'end queue ok',
      'start db',
      'end db ok',
      'done 0 timedOut=false',
    ]);
    expect(r.stderr).toBe('');
  });

  it('SIGINT (Ctrl-C) exits 0 after the hooks', async () => {
    const r = await stopService({ hooks: [{ name: 'h', does: 'ok' }] }, 'SIGINT');
    expect(r.code).toBe(0);
    expect(r.lines).toContain('shutdown SIGINT');
  });

  it('a failing hook exits 1 and the others still run', async () => {
    const r = await stopService({
      hooks: [
        { name: 'bad', priority: 2, does: 'throw' },
        { name: 'good', priority: 1, does: 'ok' },
      ],
    });
    expect(r.code).toBe(1);
    expect(r.lines).toContain('end bad error');
    expect(r.lines).toContain('end good ok');
  });

  it('with forceSignals, a repeated SIGTERM forces exit 143 and names the hook still running', async () => {
    const child = spawnService(
      {
        options: { forceSignals: ['SIGINT', 'SIGTERM'] },
        hooks: [{ name: 'stuck-consumer', does: 'hang' }],
      },
      { DEBUG: 'shutdown-hooks:signals' },
    );
    await child.ready;
    child.proc.kill('SIGTERM');
    await child.waitFor('start stuck-consumer');
    child.proc.kill('SIGTERM');
    const r = await child.result;
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/SIGTERM received again; forcing exit 143.*stuck-consumer/);
  });

  it('a repeated SIGINT forces exit 130', async () => {
    const child = spawnService({ hooks: [{ name: 'stuck', does: 'hang' }] });
    await child.ready;
    child.proc.kill('SIGINT');
    await child.waitFor('start stuck');
    child.proc.kill('SIGINT');
    expect((await child.result).code).toBe(130);
  });

  it('the global timeout skips the rest and exits 1', async () => {
    const r = await stopService({
      options: { timeout: 300 },
      hooks: [
        { name: 'stuck', priority: 2, does: 'hang' },
        { name: 'later', priority: 1, does: 'ok' },
      ],
    });
    expect(r.code).toBe(1);
    expect(r.lines).toContain('end stuck timeout');
    expect(r.lines).not.toContain('start later');
    expect(r.lines).toContain('done 1 timedOut=true');
  });

  it('the watchdog ends a process whose event loop is blocked past the global deadline', async () => {
    const child = spawnService({
      options: { timeout: 300 },
      hooks: [{ name: 'spin', does: 'block' }],
    });
    await child.ready;
    child.proc.kill('SIGTERM');
    const r = await child.result;
    // Nothing else sends SIGKILL: only the watchdog thread can have ended it.
    expect(r.signal).toBe('SIGKILL');
    expect(r.lines).toContain('start spin');
    expect(r.lines.some((l) => l.startsWith('done'))).toBe(false);
  });

  it('flushes a large stdout write before exiting', async () => {
    const bytes = 4 * 1024 * 1024;
    const r = await stopService({ hooks: [{ name: 'print', does: `print:${bytes}` }] });
    expect(r.code).toBe(0);
    expect(r.lines).toContain('done 0 timedOut=false');
    expect(r.stdout).toContain(`${'x'.repeat(1000)}`);
    const xs = r.lines.find((l) => l.startsWith('xxx'));
    expect(xs?.length).toBe(bytes - 1);
  });

  it("beside NestJS's enableShutdownHooks(), which re-raises SIGTERM: every hook completes, exit 0", async () => {
    const child = spawnNode([fixture('nest-coexist.mjs')]);
    await child.ready;
    child.proc.kill('SIGTERM');
    const r = await child.result;
    expect(r.lines).toContain('nest onApplicationShutdown SIGTERM');
    expect(r.lines.slice(-3)).toEqual(['drain finished', 'db closed', 'done 0']);
    expect(r.code).toBe(0);
  });

  it
    .skipIf(
      notOn(
        ['deno'],
        "NestJS's enableShutdownHooks() without a list listens to every signal, and Deno refuses to bind SIGILL: Nest itself fails to start (pass the signals: enableShutdownHooks(['SIGTERM']))",
      ),
    )
    .each([
      ['before', 'SIGINT'],
      ['before', 'SIGTERM'],
      ['after', 'SIGINT'],
      ['after', 'SIGTERM'],
    ] as const)(
    'ShutdownHooksModule with enableShutdownHooks() called %s listen(), on %s: the lifecycle runs once, after the drain, exit 0',
    async (when, signal) => {
      const child = spawnNode([fixture('nest-module.mjs')], { env: { ENABLE: when } });
      await child.ready;
      child.proc.kill(signal);
      const r = await child.result;
      expect(r.lines.slice(-3)).toEqual([
        'pool ended',
        `onApplicationShutdown ${signal}`,
        'done 0',
      ]);
      expect(r.stdout).toContain(`the module took ${signal} over from it`);
      expect(r.code).toBe(0);
    },
  );

  it.each(['nest-like', 'terminus'])(
    'beside a %s SIGTERM owner that re-raises the signal: every hook completes, exit 0',
    async (owner) => {
      const child = spawnNode([fixture('coexist.mjs'), owner], {
        env: { DEBUG: 'shutdown-hooks:signals' },
      });
      await child.ready;
      child.proc.kill('SIGTERM');
      const r = await child.result;
      expect(r.lines).toContain(
        owner === 'terminus'
          ? 'terminus onSignal done'
          : 'foreign cleanup done; re-raising SIGTERM',
      );
      expect(r.lines.slice(-3)).toEqual(['drain finished', 'db closed', 'done 0']);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        /SIGTERM received during a shutdown started by SIGTERM; carrying on/,
      );
      // Who else owns the signal is said when it arrives.
      expect(r.stderr).toMatch(/when SIGTERM arrived: 1 other SIGTERM listener\(s\): \w+/);
    },
  );
});
