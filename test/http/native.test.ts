// The drain of a Bun.serve() or Deno.serve() server, on stand-ins with the same shape and
// recorded calls: what it asks of the runtime, when, and what its timeout message says. The real
// servers are drained on their runtimes in runtimes.test.ts.
import { describe, expect, it } from 'vitest';
import { drainHttp } from '../../src/http/index.js';
import { createShutdown, Priority, type Shutdown } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

/** A shutdown on a fake process whose drain gets its share of 400 ms, with a hook after it. */
function shutdownWithShare(fake = createFakeProcess()): Shutdown {
  const sd = createShutdown({ process: fake, exit: false, timeout: 800 });
  sd.onShutdown('close-db', () => {}, { priority: Priority.RESOURCE });
  return sd;
}

/** Drains `server` with its share of the time, and shuts down: the report. */
function drained(server: Parameters<typeof drainHttp>[0]) {
  const sd = shutdownWithShare();
  drainHttp(server, { shutdown: sd });
  return sd.shutdown();
}

/** Drains `server` after a delay of 5 s, and forces the shutdown (Ctrl-C twice) during it. */
async function forcedDuringDelay(server: Parameters<typeof drainHttp>[0]): Promise<void> {
  const fake = createFakeProcess();
  const sd = createShutdown({ process: fake, exit: false });
  drainHttp(server, { shutdown: sd, delay: 5000 });
  const done = new Promise((resolve) => sd.once('done', resolve));
  fake.emit('SIGINT');
  await new Promise((resolve) => setImmediate(resolve));
  fake.emit('SIGINT');
  await done;
}

/** A stand-in for a `Bun.serve()` server: `stop(false)` resolves when `finish()` is called. */
function bunServer(pending: { requests: number; webSockets: number }) {
  const calls: string[] = [];
  let finish = () => {};
  const server = {
    pendingRequests: pending.requests,
    pendingWebSockets: pending.webSockets,
    reload() {},
    stop(closeActiveConnections?: boolean): Promise<void> {
      calls.push(`stop(${closeActiveConnections})`);
      if (closeActiveConnections) finish();
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
  };
  return { server, calls, finish: () => finish() };
}

/** A stand-in for a `Deno.serve()` server; `shutdown()` settles as `outcome` says. */
function denoServer(outcome: 'resolves' | 'rejects' | 'hangs') {
  const calls: string[] = [];
  const server = {
    addr: { port: 0 },
    finished: new Promise<void>(() => {}),
    shutdown(): Promise<void> {
      calls.push('shutdown()');
      if (outcome === 'resolves') return Promise.resolve();
      if (outcome === 'rejects') return Promise.reject(new Error('already closed'));
      return new Promise<void>(() => {});
    },
  };
  return { server, calls };
}

describe('drainHttp on a Bun.serve() server', () => {
  it("stops it gracefully and ends when Bun's stop does", async () => {
    const sd = shutdownWithShare();
    const bun = bunServer({ requests: 0, webSockets: 0 });
    drainHttp(bun.server, { shutdown: sd });
    const done = sd.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect(bun.calls).toEqual(['stop(false)']);
    bun.finish();
    const report = await done;
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['drain bun', 'ok'],
      ['close-db', 'ok'],
    ]);
    expect(bun.calls).toEqual(['stop(false)']);
  });

  it('at its deadline, closes what is left, and says what that was', async () => {
    const bun = bunServer({ requests: 2, webSockets: 1 });
    const report = await drained(bun.server);
    expect(bun.calls).toEqual(['stop(false)', 'stop(true)']);
    expect(report.hooks[0]!.status).toBe('timeout');
    expect((report.hooks[0]!.error as Error).message).toMatch(
      /Closed what was still open: 2 requests, 1 WebSockets\. To finish them, give requests more time after the delay; close WebSockets in a hook of higher priority than the drain \(Priority\.SERVER \+ 1\)\.$/,
    );
  });

  it('with nothing left open at its deadline, says so', async () => {
    const bun = bunServer({ requests: 0, webSockets: 0 });
    const report = await drained(bun.server);
    expect((report.hooks[0]!.error as Error).message).toMatch(/What was still open was closed\.$/);
  });

  it('a shutdown forced during the delay closes it at once', async () => {
    const bun = bunServer({ requests: 0, webSockets: 0 });
    await forcedDuringDelay(bun.server);
    expect(bun.calls).toEqual(['stop(true)']);
  });
});

describe('drainHttp on a Deno.serve() server', () => {
  it("shuts it down once and ends when Deno's shutdown does", async () => {
    const deno = denoServer('resolves');
    const report = await drained(deno.server);
    expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
      ['drain deno', 'ok'],
      ['close-db', 'ok'],
    ]);
    expect(deno.calls).toEqual(['shutdown()']);
  });

  it('a shutdown that fails (a server already closed) leaves the drain done', async () => {
    const deno = denoServer('rejects');
    const report = await drained(deno.server);
    expect(report.hooks[0]!.status).toBe('ok');
    expect(report.exitCode).toBe(0);
  });

  it('at its deadline, says that what is left ends with the process', async () => {
    const deno = denoServer('hangs');
    const report = await drained(deno.server);
    expect(report.hooks[0]!.status).toBe('timeout');
    expect((report.hooks[0]!.error as Error).message).toMatch(
      /Deno's server cannot close its connections before they end: what was still open ends with the process\.$/,
    );
    expect(deno.calls).toEqual(['shutdown()']);
  });

  it('a shutdown forced during the delay shuts it down, once', async () => {
    const deno = denoServer('hangs');
    await forcedDuringDelay(deno.server);
    expect(deno.calls).toEqual(['shutdown()']);
  });
});
