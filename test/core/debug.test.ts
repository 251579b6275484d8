// The package's own DEBUG matching and plain writer: what decides a line before `debug` is loaded,
// and what writes it when `debug` cannot load (left out of a bundle). Here `debug` fails to load.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadDebug, log } from '../../src/core/debug.js';

vi.mock('debug', () => {
  throw new Error('debug is not in this bundle');
});

const saved = process.env.DEBUG;
afterEach(() => {
  if (saved === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = saved;
  log.core.log = undefined;
});

/** Which areas DEBUG enables. */
function enabled(debug: string): string[] {
  process.env.DEBUG = debug;
  return Object.entries(log)
    .filter(([, logger]) => logger.enabled)
    .map(([area]) => area);
}

describe('DEBUG matching without debug', () => {
  it('enables areas the way debug reads DEBUG', () => {
    expect(enabled('')).toEqual([]);
    expect(enabled('shutdown-hooks:*')).toEqual(['core', 'hooks', 'signals', 'watchdog', 'http']);
    expect(enabled('*')).toEqual(['core', 'hooks', 'signals', 'watchdog', 'http']);
    expect(enabled('shutdown-hooks:core')).toEqual(['core']);
    expect(enabled('other,shutdown-hooks:http')).toEqual(['http']);
    expect(enabled('other  shutdown-hooks:hooks, ,shutdown-hooks:signals')).toEqual([
      'hooks',
      'signals',
    ]);
    expect(enabled('shutdown-hooks')).toEqual([]);
    expect(enabled('shutdown-hooks:core-')).toEqual([]);
  });

  it('leaves out what a pattern starting with - names, wherever it stands', () => {
    expect(enabled('shutdown-hooks:*,-shutdown-hooks:http')).toEqual([
      'core',
      'hooks',
      'signals',
      'watchdog',
    ]);
    expect(enabled('-shutdown-hooks:core,shutdown-hooks:*')).toEqual([
      'hooks',
      'signals',
      'watchdog',
      'http',
    ]);
    expect(enabled('-shutdown-hooks:*')).toEqual([]);
  });

  it('takes the characters of a regular expression literally, and * as anything', () => {
    expect(enabled('shutdown-hooks:c.re')).toEqual([]);
    expect(enabled('shutdown-hooks:core.')).toEqual([]);
    expect(enabled('shutdown-hooks:core+')).toEqual([]);
    expect(enabled('hooks:core')).toEqual([]);
    expect(enabled('shutdown-hooks:c')).toEqual([]);
    expect(enabled('shutdown.hooks:core')).toEqual([]);
    expect(enabled('shutdown-hooks:(core|http)')).toEqual([]);
    expect(enabled('shutdown-hooks:c*e')).toEqual(['core']);
    expect(enabled('*:http')).toEqual(['http']);
  });
});

describe('when debug cannot load', () => {
  it('writes the enabled lines plainly, formatted, once the load has failed', async () => {
    process.env.DEBUG = 'shutdown-hooks:core';
    const lines: string[] = [];
    log.core.log = (line) => lines.push(String(line));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    log.core('drained %d of %s', 3, 'servers');
    log.http('not enabled');
    expect(lines).toEqual([]); // waiting for debug
    await loadDebug();
    expect(lines).toEqual(['shutdown-hooks:core drained 3 of servers']);
    log.http('still not enabled');
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
    log.core('later');
    expect(lines).toEqual([
      'shutdown-hooks:core drained 3 of servers',
      'shutdown-hooks:core later',
    ]);
  });
});
