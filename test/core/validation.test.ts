import { describe, expect, it } from 'vitest';
import { createShutdown, type ShutdownOptions } from '../../src/index.js';
import { createFakeProcess } from '../../src/testing/index.js';

const make = () => createShutdown({ process: createFakeProcess(), exit: false });

/** Asserts a TypeError whose message names the option and shows the value received. */
function expectTypeError(fn: () => unknown, option: string, shown: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  expect((thrown as Error).message).toContain(`\`${option}\``);
  expect((thrown as Error).message).toContain(shown);
}

describe('bad input', () => {
  it('onShutdown rejects a bad name, hook or options', () => {
    const sd = make();
    expectTypeError(() => sd.onShutdown('', () => {}), 'name', '""');
    expectTypeError(() => sd.onShutdown(42 as never, () => {}), 'name', '42');
    expectTypeError(() => sd.onShutdown('x', 'nope' as never), 'hook', '"nope"');
    expectTypeError(() => sd.onShutdown('x', () => {}, { timeout: -1 }), 'timeout', '-1');
    expectTypeError(() => sd.onShutdown('x', () => {}, { timeout: Number.NaN }), 'timeout', 'NaN');
    expectTypeError(() => sd.onShutdown('x', () => {}, { timeout: 0 }), 'timeout', '0');
    expectTypeError(
      () => sd.onShutdown('x', () => {}, { timeout: 2 ** 31 }),
      'timeout',
      '2147483648',
    );
    expectTypeError(
      () => sd.onShutdown('x', () => {}, { priority: Number.NaN }),
      'priority',
      'NaN',
    );
    expectTypeError(() => sd.onShutdown('x', () => {}, 5 as never), 'options', '5');
  });

  it('a rejected registration leaves no hook and no listener behind', async () => {
    const fake = createFakeProcess();
    const sd = createShutdown({ process: fake, exit: false });
    expect(() => sd.onShutdown('x', () => {}, { timeout: -5 })).toThrow(TypeError);
    expect(fake.eventNames()).toEqual([]);
    expect((await sd.shutdown()).hooks).toEqual([]);
  });

  const cases: [Record<string, unknown>, string, string][] = [
    [{ timeout: -1 }, 'timeout', '-1'],
    [{ timeout: Number.NaN }, 'timeout', 'NaN'],
    [{ hookTimeout: 'soon' }, 'hookTimeout', '"soon"'],
    [{ delay: -10 }, 'delay', '-10'],
    [{ flushTimeout: Number.POSITIVE_INFINITY }, 'flushTimeout', 'Infinity'],
    [{ signals: ['SIGNOPE'] }, 'signals', '"SIGNOPE"'],
    [{ signals: 'SIGTERM' }, 'signals', '"SIGTERM"'],
    [{ signals: ['SIGSEGV'] }, 'signals', '"SIGSEGV"'],
    [{ exit: 'yes' }, 'exit', '"yes"'],
    [{ handleErrors: 1 }, 'handleErrors', '1'],
    [{ handleErrors: { uncaughtException: 'no' } }, 'handleErrors.uncaughtException', '"no"'],
    [{ forceSignals: ['SIGNOPE'] }, 'forceSignals', '"SIGNOPE"'],
    [{ signalExitCodes: 'SIGINT' }, 'signalExitCodes', '"SIGINT"'],
    [{ naturalExit: null }, 'naturalExit', 'null'],
    [{ process: {} }, 'process', 'object'],
  ];
  it.each(cases)('createShutdown(%o) names `%s`', (options, option, shown) => {
    expectTypeError(() => createShutdown(options as ShutdownOptions), option, shown);
  });

  it('createShutdown rejects a non-object', () => {
    expectTypeError(() => createShutdown('fast' as never), 'options', '"fast"');
  });

  it('shutdown() rejects a bad exit code or reason', () => {
    const sd = make();
    expectTypeError(() => sd.shutdown({ exitCode: 256 }), 'exitCode', '256');
    expectTypeError(() => sd.shutdown({ exitCode: 1.5 }), 'exitCode', '1.5');
    expectTypeError(() => sd.shutdown({ reason: '' }), 'reason', '""');
    expect(sd.state).toBe('running');
  });

  it('does not mutate the options object', () => {
    const options = Object.freeze({
      timeout: 1000,
      signals: Object.freeze(['SIGTERM']),
    }) as ShutdownOptions;
    expect(() => createShutdown(options)).not.toThrow();
  });
});
