import { describe, expect, it } from 'vitest';
import { harness } from './helpers.js';

describe('events and state', () => {
  it('emits shutdown, hook:start, hook:end, done in sequence, with states to match', async () => {
    const { sd } = harness();
    const seen: string[] = [];
    sd.on('shutdown', (reason) => seen.push(`shutdown ${reason} ${sd.state}`));
    sd.on('hook:start', ({ name, priority }) => seen.push(`start ${name} ${priority}`));
    sd.on('hook:end', ({ name, status }) => seen.push(`end ${name} ${status}`));
    sd.on('done', (report) => seen.push(`done ${report.exitCode} ${sd.state}`));
    sd.onShutdown('a', () => {}, { priority: 2 });
    sd.onShutdown('b', () => {}, { priority: 1 });
    expect(sd.state).toBe('running');
    const report = await sd.shutdown();
    expect(seen).toEqual([
      'shutdown manual draining',
      'start a 2',
      'end a ok',
      'start b 1',
      'end b ok',
      'done 0 stopped',
    ]);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('the flag and the signal flip before any hook runs', async () => {
    const { sd } = harness();
    const seen: unknown[] = [];
    sd.signal.addEventListener('abort', () => seen.push(['abort', sd.isShuttingDown()]));
    sd.onShutdown('h', () => void seen.push('hook'));
    expect(sd.isShuttingDown()).toBe(false);
    await sd.shutdown();
    expect(seen).toEqual([['abort', true], 'hook']);
  });

  it('a throwing event listener is reported like an uncaught error, not lost', async () => {
    const { sd, fake, log } = harness();
    sd.on('hook:start', () => {
      throw new Error('listener bug');
    });
    sd.onShutdown('h', () => void log.push('h'));
    const report = await sd.shutdown();
    expect(log).toEqual(['h']);
    expect(report.exitCode).toBe(1);
    expect((report.error as Error).message).toBe('listener bug');
    expect(fake.stderr.output).toContain('listener bug');
  });

  it('a throwing done listener fails the shutdown too: exit 1, error in the report', async () => {
    const { sd, fake, exits } = harness();
    sd.once('done', () => {
      throw new Error('done listener bug');
    });
    sd.onShutdown('h', () => {});
    const report = await sd.shutdown();
    expect(report.exitCode).toBe(1);
    expect((report.error as Error).message).toBe('done listener bug');
    expect(exits).toEqual([1]);
    expect(fake.stderr.output).toContain('done listener bug');
  });

  it('the same name registered twice is two hooks: both run, each unregisters alone', async () => {
    const { sd, log } = harness();
    const first = sd.onShutdown('close', () => void log.push('first'));
    sd.onShutdown('close', () => void log.push('second'));
    sd.onShutdown('close', () => void log.push('third'));
    first();
    const report = await sd.shutdown();
    expect(log).toEqual(['second', 'third']);
    expect(report.hooks.map((h) => h.name)).toEqual(['close', 'close']);
  });
});
