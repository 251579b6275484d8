// The exact names, codes and messages users see: errors they match on, and every TypeError for bad
// input, which must name the option and show the value given.
import { describe, expect, it } from 'vitest';
import {
  HookFailedError,
  HookTimeoutError,
  ShutdownError,
  ShutdownForcedError,
  ShutdownInProgressError,
  ShutdownTimeoutError,
} from '../../src/core/errors.js';
import { validateSignals } from '../../src/core/signals.js';
import {
  didYouMean,
  describe as render,
  validateMs,
  validateName,
  validateNumber,
  validateOptions,
} from '../../src/core/validate.js';
import {
  createShutdown,
  createWorkTracker,
  DEFAULTS,
  getDefaultShutdown,
} from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

const MS = '(at most 2147483647)';

describe('errors', () => {
  it.each([
    [
      () => new ShutdownError('ERR_SHUTDOWN_STARTED', 'x'),
      'ShutdownError',
      'ERR_SHUTDOWN_STARTED',
      'x',
    ],
    [
      () => new ShutdownInProgressError('h'),
      'ShutdownInProgressError',
      'ERR_SHUTDOWN_IN_PROGRESS',
      'Cannot register "h": shutdown is already in progress. Register hooks and options at startup.',
    ],
    [
      () => new HookTimeoutError('h', 5),
      'HookTimeoutError',
      'ERR_SHUTDOWN_HOOK_TIMEOUT',
      'Hook "h" did not finish within 5 ms. Make it honour ctx.signal, or raise its `timeout`.',
    ],
    [
      () => new ShutdownTimeoutError(9),
      'ShutdownTimeoutError',
      'ERR_SHUTDOWN_TIMEOUT',
      'Shutdown did not finish within the global timeout of 9 ms; remaining hooks were skipped. Raise `timeout` or make slow hooks honour ctx.signal.',
    ],
    [
      () => new ShutdownForcedError('SIGINT', []),
      'ShutdownForcedError',
      'ERR_SHUTDOWN_FORCED',
      'Shutdown forced by a repeated SIGINT; no hook was running.',
    ],
    [
      () => new ShutdownForcedError('SIGINT', ['a']),
      'ShutdownForcedError',
      'ERR_SHUTDOWN_FORCED',
      'Shutdown forced by a repeated SIGINT; hooks still running: a.',
    ],
    [
      () => new ShutdownForcedError('SIGINT', ['a', 'b']),
      'ShutdownForcedError',
      'ERR_SHUTDOWN_FORCED',
      'Shutdown forced by a repeated SIGINT; hooks still running: a, b.',
    ],
    [
      () => new HookFailedError('h', 42),
      'HookFailedError',
      'ERR_SHUTDOWN_HOOK_FAILED',
      'Hook "h" failed with a non-error value: 42',
    ],
  ])('error row %#: name, code and message', (make, name, code, message) => {
    // Made in the test, not when the table is built: a mutant is active only while tests run.
    const error = make();
    expect(error).toBeInstanceOf(ShutdownError);
    expect({ name: error.name, code: error.code, message: error.message }).toEqual({
      name,
      code,
      message,
    });
  });
});

describe('bad input', () => {
  it('renders the value given exactly', () => {
    expect(
      [1, true, null, undefined, function named() {}, () => {}, [1], {}, 's', Symbol('x')].map(
        render,
      ),
    ).toEqual([
      '1',
      'true',
      'null',
      'undefined',
      'a function (named)',
      'a function',
      'an array',
      'an object',
      '"s"',
      'a symbol',
    ]);
  });

  it.each([
    [
      () => validateMs('5', 't'),
      `Expected \`t\` to be a positive number of milliseconds ${MS}, got "5"`,
    ],
    [
      () => validateMs(0, 't'),
      `Expected \`t\` to be a positive number of milliseconds ${MS}, got 0`,
    ],
    [
      () => validateMs(-1, 'd', { allowZero: true }),
      `Expected \`d\` to be a non-negative number of milliseconds ${MS}, got -1`,
    ],
    [
      () => validateMs(2 ** 31, 't'),
      `Expected \`t\` to be a positive number of milliseconds ${MS}, got 2147483648`,
    ],
    [() => validateNumber(Number.NaN, 'p'), 'Expected `p` to be a finite number, got NaN'],
    [() => validateNumber('1', 'p'), 'Expected `p` to be a finite number, got "1"'],
    [() => validateName('  ', 'name'), 'Expected `name` to be a non-empty string, got "  "'],
    [() => validateOptions(null, 'options', []), 'Expected `options` to be an object, got null'],
    [() => validateOptions([], 'options', []), 'Expected `options` to be an object, got an array'],
    [() => validateOptions('x', 'options', []), 'Expected `options` to be an object, got "x"'],
    [
      () => validateOptions({ dealy: 1 }, 'options', ['delay', 'timeout']),
      'Unknown option `dealy` in `options` (did you mean `delay`?); expected one of: delay, timeout',
    ],
    [
      () => validateOptions({ DELAY: 1 }, 'options', ['delay', 'timeout']),
      'Unknown option `DELAY` in `options` (did you mean `delay`?); expected one of: delay, timeout',
    ],
    [
      () => validateOptions({ x: 1 }, 'options', ['delay']),
      'Unknown option `x` in `options`; expected one of: delay',
    ],
    [() => validateSignals([5]), 'Expected `signals` to hold signal names like "SIGTERM", got 5'],
    // A nested array would pass as a property key ('SIGTERM'): only strings are names.
    [
      () => validateSignals([['SIGTERM']]),
      'Expected `signals` to hold signal names like "SIGTERM", got an array',
    ],
    [
      () => validateSignals(['SIGKILL']),
      'Expected `signals` to hold signals that are safe to handle, got "SIGKILL" (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGKILL, SIGSTOP are refused)',
    ],
    [
      () => validateSignals('SIGTERM'),
      'Expected `signals` to be an array of signal names, got "SIGTERM"',
    ],
  ])('%#: a TypeError naming the option and the value', (call, message) => {
    expect(call).toThrow(new TypeError(message));
  });

  it('accepts the bounds', () => {
    expect(validateMs(2 ** 31 - 1, 't')).toBe(2 ** 31 - 1);
    expect(validateMs(0, 'd', { allowZero: true })).toBe(0);
    expect(validateName('x', 'name')).toBe('x');
  });

  // A slip is at most two single-letter edits, counted over the whole key, and keys shorter than
  // four letters get no guess (two edits of a three-letter key leave one letter in common).
  it.each([
    ['tiemout', ['timeout'], ' (did you mean `timeout`?)'],
    ['dleay', ['delay'], ' (did you mean `delay`?)'],
    ['dela', ['delay'], ' (did you mean `delay`?)'],
    ['delayxx', ['delay'], ' (did you mean `delay`?)'],
    ['del', ['delay'], ''],
    ['tmo', ['timeout', 'tmp'], ''],
    ['delayxxx', ['delay'], ''],
    ['Timeout', ['delay', 'timeout'], ' (did you mean `timeout`?)'],
  ])('didYouMean(%j, %j) is %j', (given, known, hint) => {
    expect(didYouMean(given, known)).toBe(hint);
  });

  it.each([null, 5, {}, { on() {} }])('process: %j is refused', (proc) => {
    expect(() => createShutdown({ process: proc as never })).toThrow(
      /^Expected `process` to have on\(\) and off\(\) methods, got /,
    );
  });

  it.each([
    ['ready', 'x', 'Expected `ready` to be a boolean, got "x"'],
    ['disconnect', 'x', 'Expected `disconnect` to be a boolean, got "x"'],
    ['shutdownMessage', 1, 'Expected `shutdownMessage` to be a boolean, got 1'],
    ['naturalExit', 'x', 'Expected `naturalExit` to be a boolean, got "x"'],
    [
      'flushTimeout',
      -1,
      `Expected \`flushTimeout\` to be a non-negative number of milliseconds ${MS}, got -1`,
    ],
  ])('createShutdown({ %s: %j })', (option, value, message) => {
    expect(() => createShutdown({ process: createFakeProcess(), [option]: value })).toThrow(
      new TypeError(message),
    );
  });

  it('takes a flushTimeout of 0 (no wait)', () => {
    expect(() => createShutdown({ process: createFakeProcess(), flushTimeout: 0 })).not.toThrow();
  });

  it.each([
    ['x', 'Expected `options` to be an object, got "x"'],
    [{ name: ' ' }, 'Expected `name` to be a non-empty string, got " "'],
    [{ timeout: 0 }, `Expected \`timeout\` to be a positive number of milliseconds ${MS}, got 0`],
    [{ priority: 'a' }, 'Expected `priority` to be a finite number, got "a"'],
  ])('createWorkTracker(%j)', (options, message) => {
    const shutdown = createShutdown({ process: createFakeProcess(), exit: false });
    const given = typeof options === 'string' ? options : { shutdown, ...options };
    expect(() => createWorkTracker(given as never)).toThrow(new TypeError(message));
  });
});

describe('defaults', () => {
  it('are these, frozen', () => {
    expect(DEFAULTS).toEqual({
      signals: ['SIGTERM', 'SIGINT'],
      forceSignals: ['SIGINT'],
      signalExitCodes: [],
      timeout: 8000,
      hookTimeout: undefined,
      delay: 0,
      exit: true,
      handleErrors: true,
      naturalExit: true,
      ready: true,
      disconnect: true,
      shutdownMessage: false,
      flushTimeout: 500,
      platform: 'auto',
    });
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });

  it('the process-wide instance lives under a registry symbol every copy of the package shares', () => {
    const key = Symbol.for('shutdown-hooks.default.v0');
    expect((globalThis as Record<symbol, unknown>)[key]).toBe(getDefaultShutdown());
  });
});
