// The package's loggers once `debug` itself has loaded (test/core/debug.test.ts has it fail):
// lines written before the load come out through `debug`, in its format, and a logger's `log`
// can be set and unset at any time. `debug` reads DEBUG and its DEBUG_* options as it loads.
import { format } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadDebug, log } from '../../src/core/debug.js';

const saved = { DEBUG: process.env.DEBUG, DEBUG_COLORS: process.env.DEBUG_COLORS };
process.env.DEBUG = 'shutdown-hooks:*,-shutdown-hooks:http';
process.env.DEBUG_COLORS = 'no';
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
afterEach(() => {
  log.core.log = undefined;
  log.hooks.log = undefined;
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** A `log` replacement that keeps what `debug` hands it, formatted the way `debug` would write it. */
function collect(): { lines: string[]; output: (...args: unknown[]) => void } {
  const lines: string[] = [];
  return { lines, output: (...args) => lines.push(format(...args)) };
}

/** `debug`'s line without colours: an ISO date, the namespace, the message. */
const debugLine = (namespace: string, message: string) =>
  new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${namespace} ${message}$`);

describe('once debug has loaded', () => {
  it('writes the lines that waited for it through debug, in its format', async () => {
    const { lines, output } = collect();
    log.core.log = output;
    log.core('drained %d of %s', 3, 'servers');
    log.http('not enabled');
    expect(lines).toEqual([]);
    await loadDebug();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(debugLine('shutdown-hooks:core', 'drained 3 of servers'));
    log.core('later');
    expect(lines[1]).toMatch(debugLine('shutdown-hooks:core', 'later'));
    expect(lines).toHaveLength(2);
  });

  it("answers enabled from debug's own reading of DEBUG", async () => {
    await loadDebug();
    expect(log.core.enabled).toBe(true);
    expect(log.hooks.enabled).toBe(true);
    expect(log.http.enabled).toBe(false);
  });

  it('takes a log set after the logger has written, and an unset log gives stderr back', async () => {
    await loadDebug();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    log.hooks('first');
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(String(stderr.mock.calls[0]![0]).trimEnd()).toMatch(
      debugLine('shutdown-hooks:hooks', 'first'),
    );
    const { lines, output } = collect();
    log.hooks.log = output;
    expect(log.hooks.log).toBe(output);
    log.hooks('second');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(debugLine('shutdown-hooks:hooks', 'second'));
    log.hooks.log = undefined;
    expect(log.hooks.log).toBeUndefined();
    log.hooks('third');
    expect(lines).toHaveLength(1);
    expect(stderr).toHaveBeenCalledTimes(2);
    expect(String(stderr.mock.calls[1]![0]).trimEnd()).toMatch(
      debugLine('shutdown-hooks:hooks', 'third'),
    );
  });

  it('keeps one debug instance per area, so the time between its lines shows', async () => {
    await loadDebug();
    // With colours (a terminal), debug ends each line with the time since the area's last one.
    const { default: createDebug } = await import('debug');
    createDebug.inspectOpts!.colors = true;
    vi.useFakeTimers({ now: Date.now() });
    const { lines, output } = collect();
    log.signals.log = output;
    log.signals('one');
    vi.advanceTimersByTime(25);
    log.signals('two');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/shutdown-hooks:signals .*one .*\+0ms/);
    expect(lines[1]).toMatch(/shutdown-hooks:signals .*two .*\+25ms/);
  });
});
