// The fault matrix: each case a real process, each outcome decided from the docs.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, notOn, spawnNode, spawnRuntime, spawnService } from '../support/child.js';

async function fault(name: string, send: (kill: (signal: NodeJS.Signals) => void) => void) {
  const child = spawnNode([fixture('faults.mjs'), name]);
  await child.ready;
  send((signal) => child.proc.kill(signal));
  return child.result;
}

describe('fault matrix', () => {
  it('a storm of 50 SIGTERMs: one shutdown, every hook completes, exit 0', async () => {
    const r = await fault('slow', (kill) => {
      for (let i = 0; i < 50; i++) kill('SIGTERM');
    });
    expect(r.lines.filter((l) => l.startsWith('done'))).toEqual(['done 0']);
    expect(r.lines).toContain('end drain ok');
    expect(r.lines).toContain('db closed');
    expect(r.code).toBe(0);
  });

  it('SIGTERM then SIGINT: not a repeat of the starting signal, so it carries on, exit 0', async () => {
    const r = await fault('slow', (kill) => {
      kill('SIGTERM');
      setTimeout(() => kill('SIGINT'), 50);
    });
    expect(r.lines).toContain('end drain ok');
    expect(r.code).toBe(0);
  });

  it('a hook that registers a hook: ShutdownInProgressError, reported as that hook failing', async () => {
    const r = await fault('register-in-hook', (kill) => kill('SIGTERM'));
    expect(r.lines).toContain('end rude error');
    expect(r.lines).toContain('db closed');
    expect(r.code).toBe(1);
  });

  it("an uncaught exception in a hook's timer: printed, the others still run, exit 1", async () => {
    const r = await fault('throw-in-timer', (kill) => kill('SIGTERM'));
    expect(r.stderr).toContain('thrown in a timer during a hook');
    expect(r.lines).toContain('db closed');
    expect(r.code).toBe(1);
  });

  it('a rejection after the hook was cut off is not a crash: the hook is a timeout, exit 1', async () => {
    const r = await fault('late-rejection', (kill) => kill('SIGTERM'));
    expect(r.lines).toContain('end late timeout');
    expect(r.lines).toContain('end after ok');
    expect(r.stderr).not.toContain('rejected after the deadline');
    expect(r.code).toBe(1);
  });

  it("the app's own SIGTERM listener runs too; the library still decides the exit", async () => {
    const r = await fault('own-listener', (kill) => kill('SIGTERM'));
    expect(r.lines).toContain('app listener ran');
    expect(r.lines.slice(-3)).toEqual(['db closed', 'end close-db ok', 'done 0']);
    expect(r.code).toBe(0);
  });

  it('SIGHUP with the default signals: not ours, so Node ends the process as usual', async () => {
    const child = spawnService({ hooks: [{ name: 'h', does: 'ok' }] });
    await child.ready;
    child.proc.kill('SIGHUP');
    const r = await child.result;
    expect(r.signal).toBe('SIGHUP');
    expect(r.lines).not.toContain('start h');
  });

  it('stdout a closed pipe while hooks print: the EPIPE is printed as a crash, the shutdown ends, exit 1', async () => {
    const proc = spawnRuntime([fixture('faults.mjs'), 'print'], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, DEBUG: '' },
    });
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    await new Promise<void>((resolve) =>
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => c.includes('ready') && resolve()),
    );
    proc.stdout!.destroy();
    const report = once(proc, 'message');
    proc.kill('SIGTERM');
    const [code, signal] = await once(proc, 'exit');
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    expect((await report)[0]).toEqual({ exitCode: 1 });
    expect(stderr).toMatch(/EPIPE/);
  });

  it.skipIf(
    notOn(
      ['deno', 'bun'],
      'Deno and Bun end the process with code 1 when an exit listener throws, whatever code process.exit() was given',
    ),
  )(
    "an exit listener of the app that throws: Node prints it; the exit code stays the report's",
    async () => {
      const r = await fault('exit-listener-throws', (kill) => kill('SIGTERM'));
      expect(r.stderr).toContain('exit listener bug');
      expect(r.lines).toContain('done 0');
      expect(r.code).toBe(0);
    },
  );

  /** Runs the flood case with a reader that takes a pipe's chunk, then leaves it full for 20 ms. */
  async function flood(flushTimeout?: number) {
    const args = [fixture('faults.mjs'), 'flood', ...(flushTimeout ? [String(flushTimeout)] : [])];
    const proc = spawnRuntime(args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBUG: '' },
    });
    let received = 0;
    let tail = '';
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    await new Promise<void>((resolve) => {
      proc.stdout!.on('data', (chunk: Buffer) => {
        received += chunk.length;
        tail = (tail + chunk.toString('latin1')).slice(-4096);
        if (tail.includes('ready\n')) resolve();
        proc.stdout!.pause();
        setTimeout(() => proc.stdout!.resume(), 20);
      });
    });
    const before = received;
    proc.kill('SIGTERM');
    const [code, signal] = await once(proc, 'close');
    return { code, signal, flood: received - before, tail, stderr };
  }
  // After 'ready': 'end h ok', 'done 0', 5,120 lines of 1 KB, 'flood end'.
  const FLOOD = 'end h ok\ndone 0\n'.length + 5 * 1024 * 1024 + 'flood end\n'.length;

  it.skipIf(
    notOn(
      ['bun'],
      "Bun's stdout counts no queued bytes and may emit 'drain' before its last bytes are out: output written at the last moment to a slow pipe can be cut (docs/runtimes.md)",
    ),
  )(
    '5 MB to a slow pipe just before exit, with time to flush: every byte arrives, exit 0',
    async () => {
      const r = await flood(20_000);
      expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
      expect(r.flood).toBe(FLOOD);
      expect(r.tail.endsWith('x\nflood end\n')).toBe(true);
      expect(r.stderr).toBe('');
    },
  );

  it.skipIf(
    notOn(
      ['deno', 'bun'],
      "Deno writes stdout to a pipe synchronously (all 5 MB are out before the exit, so nothing is left to wait for or to lose); Bun's stdout counts no queued bytes (docs/runtimes.md)",
    ),
  )(
    '5 MB to a slow pipe past flushTimeout: exit 0 on time, and stderr says how much may be lost',
    async () => {
      const r = await flood();
      expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
      const said =
        /^shutdown-hooks: stdout not flushed within 500 ms \(flushTimeout\); exiting anyway, up to (\d+) bytes not written\n$/.exec(
          r.stderr,
        );
      expect(said, r.stderr).not.toBeNull();
      // What arrived plus what it says may be lost covers all of it: the count is an upper bound.
      expect(r.flood).toBeLessThan(FLOOD);
      expect(r.flood + Number(said![1])).toBeGreaterThanOrEqual(FLOOD);
    },
  );

  it.skipIf(notOn(['bun', 'deno'], "the fixture drives V8's gc() through Node's --expose-gc flag"))(
    '1,000,000 register/unregister cycles leave the heap flat',
    async () => {
      const r = await spawnNode(['--expose-gc', fixture('churn-heap.mjs')]).result;
      expect(r.code).toBe(0);
      const { before, after } = JSON.parse(r.lines.at(-1)!) as { before: number; after: number };
      // Flat: well under a byte per cycle (a leak of one closure per cycle would be ~100 MB).
      expect(after - before).toBeLessThan(1_000_000);
    },
  );
});

describe('stdout replaced by a process manager', () => {
  it.skipIf(
    notOn(
      ['deno', 'bun'],
      "Deno's and Bun's console.log do not go through process.stdout.write, so a replaced write sees none of it (PM2 runs its apps on Node)",
    ),
  )("waits for PM2-style log writes: every line written at 'done' reaches the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-stdout-'));
    const file = join(dir, 'out.log');
    try {
      const child = spawnNode([fixture('replaced-stdout.mjs')], { env: { LOG_FILE: file } });
      await child.ready; // and stdout is replaced once that line is out
      child.proc.kill('SIGTERM');
      const r = await child.result;
      expect([r.code, r.stderr]).toEqual([0, '']);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(2001);
      expect(lines.at(-1)).toBe('done 0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
