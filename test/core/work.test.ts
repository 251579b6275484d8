import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkTracker, Priority, ShutdownInProgressError } from '../../src/index.js';
import { deferred, harness } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createWorkTracker', () => {
  it('the shutdown waits for the work in flight before lower priorities; no new work is taken', async () => {
    const { sd, log } = harness();
    const jobs = createWorkTracker({ shutdown: sd });
    const first = deferred();
    const second = deferred();
    void jobs.run(() => first.promise.then(() => log.push('job 1 done')));
    void jobs.track(second.promise.then(() => log.push('job 2 done')));
    expect(jobs.size).toBe(2);
    sd.onShutdown('close-db', () => void log.push('db closed'), { priority: Priority.RESOURCE });
    const done = sd.shutdown();
    expect(() => jobs.run(async () => log.push('never'))).toThrow(ShutdownInProgressError);
    expect(() => jobs.run(async () => {})).toThrow(/No new work for "tracked work"/);
    first.resolve();
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toEqual(['job 1 done']);
    second.resolve();
    const report = await done;
    expect(log).toEqual(['job 1 done', 'job 2 done', 'db closed']);
    expect(report.hooks.map((h) => [h.name, h.priority, h.status])).toEqual([
      ['tracked work', Priority.WORKER, 'ok'],
      ['close-db', Priority.RESOURCE, 'ok'],
    ]);
    expect(jobs.size).toBe(0);
  });

  it('a rejected job is the caller’s to handle; the wait is bounded by the timeout', async () => {
    const { sd } = harness();
    const jobs = createWorkTracker({ shutdown: sd, name: 'jobs', timeout: 500 });
    const failing = jobs.run(() => Promise.reject(new Error('job failed')));
    await expect(failing).rejects.toThrow('job failed');
    // A job that throws before it returns a promise rejects the same way.
    const throwing = jobs.run(() => {
      throw new Error('job threw');
    });
    await expect(throwing).rejects.toThrow('job threw');
    expect(jobs.size).toBe(0);
    void jobs.track(new Promise(() => {}));
    const done = sd.shutdown();
    await vi.advanceTimersByTimeAsync(500);
    const report = await done;
    expect(report.hooks).toMatchObject([{ name: 'jobs', status: 'timeout' }]);
  });

  it('idle() resolves when nothing is in flight; close() unregisters the hook', async () => {
    const { sd } = harness();
    const jobs = createWorkTracker({ shutdown: sd });
    await expect(jobs.idle()).resolves.toBeUndefined();
    const job = deferred();
    void jobs.track(job.promise);
    const idle = jobs.idle();
    job.resolve();
    await expect(idle).resolves.toBeUndefined();
    // And again: every time the work drains, not only the first.
    const next = deferred();
    void jobs.track(next.promise);
    let again = false;
    void jobs.idle().then(() => {
      again = true;
    });
    next.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(again).toBe(true);
    jobs.close();
    expect((await sd.shutdown()).hooks).toEqual([]);
    expect(() => createWorkTracker({ shutdown: sd, priority: Number.NaN })).toThrow(/`priority`/);
    expect(() => jobs.run('x' as never)).toThrow(/`fn`/);
  });
});
