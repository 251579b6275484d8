import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { Load } from '../../src/rehearse/load.js';
import { RUN, spawnRuntime } from '../support/child.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const example = fileURLToPath(new URL('../../examples/cluster.mjs', import.meta.url));

describe('examples/cluster.mjs', () => {
  it('a rolling-update rehearsal of the primary loses nothing; every worker stops cleanly', async () => {
    const proc = spawnRuntime(
      [
        cli,
        'rehearse',
        '--json',
        '--rate',
        '50',
        '--warmup',
        '500',
        '--lag',
        '800',
        '--',
        ...RUN,
        example,
      ],
      {
        env: { ...process.env, DEBUG: '', DELAY_MS: '1200' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    const [code] = await once(proc, 'exit');
    const json = JSON.parse(out);
    expect(json.requests.sent).toBeGreaterThan(50);
    expect(json.requests.failed).toBe(0);
    expect(json.exit).toMatchObject({ code: 0, killed: false });
    expect(
      json.report.hooks.map((h: { name: string; status: string }) => [h.name, h.status]),
    ).toEqual([
      ['cluster worker 1', 'ok'],
      ['cluster worker 2', 'ok'],
      ['primary', 'ok'],
    ]);
    expect(json.verdict).toBe('pass');
    expect(code).toBe(0);
  });

  it('Ctrl-C (SIGINT to the whole process group): exit 0, no request lost, no worker forced', async () => {
    // Its own process group, as a terminal's foreground job: SIGINT reaches primary and workers.
    const proc = spawnRuntime([example], {
      env: { ...process.env, DEBUG: '', PORT: '0', DELAY_MS: '1200' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const listening = new Promise<number>((resolve) =>
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const port = /listening on http:\/\/localhost:(\d+)/.exec(out)?.[1];
        if (port) resolve(Number(port));
      }),
    );
    const exited = once(proc, 'exit');
    const port = await listening;
    const load = new Load(new URL(`http://127.0.0.1:${port}/`), {
      connections: 10,
      timeout: 10_000,
      now: () => Date.now(),
    });
    load.start(50);
    await vi.waitFor(() => expect(load.result().byKind.ok).toBeGreaterThanOrEqual(10));
    process.kill(-proc.pid!, 'SIGINT');
    // Clients keep coming for 800 ms (less than the workers' delay), then stop.
    await sleep(800);
    load.stop();
    await load.settled();
    load.abandon();
    const [code, signal] = await exited;
    const result = load.result();
    expect(result.sent).toBeGreaterThan(40);
    expect(result.sent - result.byKind.ok).toBe(0);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('worker 1: database closed');
    expect(out).toContain('worker 2: database closed');
    expect(out).toContain('every worker has stopped');
    expect(err).toBe('');
  });
});
