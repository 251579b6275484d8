// The watchdog thread and the thread channel, on a stand-in process: a `sleep` child whose pid the
// watchdog is given, so that what it kills is that child and never the test runner.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { isThreadStop, threadChannelName } from '../../src/core/thread.js';
import { startWatchdog, WATCHDOG_GRACE_MS } from '../../src/core/watchdog.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function standIn(): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('the watchdog', () => {
  it('kills the process with SIGKILL once the grace after the deadline has passed', async () => {
    const child = standIn();
    // The deadline was a grace period ago, less 50 ms.
    startWatchdog(Date.now() - WATCHDOG_GRACE_MS + 50, 1000, child.pid!);
    const [code, signal] = await once(child, 'exit');
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('leaves the process alone once stopped', async () => {
    const child = standIn();
    const watchdog = startWatchdog(Date.now() - WATCHDOG_GRACE_MS + 50, 1000, child.pid!);
    watchdog.stop();
    // Well past the moment it would have acted.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });

  it('waits the whole grace after the deadline, not less', async () => {
    const child = standIn();
    const watchdog = startWatchdog(Date.now(), 1000, child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.signalCode).toBeNull();
    watchdog.stop();
  });
});

describe('the thread channel', () => {
  it('is named per thread', () => {
    expect(threadChannelName(7)).toBe('shutdown-hooks.thread.v0.7');
  });

  it('takes only a well-formed stop', () => {
    expect(isThreadStop({ shutdownHooks: 'stop', reason: 'SIGTERM' })).toBe(true);
    for (const value of [
      null,
      undefined,
      'stop',
      { shutdownHooks: 'stop' },
      { shutdownHooks: 'go', reason: 'SIGTERM' },
      { reason: 'SIGTERM' },
      { shutdownHooks: 'stop', reason: 15 },
    ]) {
      expect([value, isThreadStop(value)]).toEqual([value, false]);
    }
  });
});
