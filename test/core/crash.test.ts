import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { printCrash } from '../../src/core/crash.js';

function capture() {
  let output = '';
  return {
    write(chunk: string) {
      output += chunk;
      return true;
    },
    get output() {
      return output;
    },
  };
}

const footer = `\n\nNode.js ${process.version}\n`;

describe('printCrash', () => {
  it('prints an error the way Node does, for either kind', () => {
    const error = new Error('boom');
    for (const kind of ['uncaughtException', 'unhandledRejection'] as const) {
      const stderr = capture();
      printCrash(stderr, kind, error);
      expect(stderr.output).toBe(`${inspect(error)}${footer}`);
    }
  });

  it('prints a thrown value that is not an error with Node’s "Uncaught" prefix', () => {
    const stderr = capture();
    printCrash(stderr, 'uncaughtException', 'just a string');
    expect(stderr.output).toBe(`Uncaught 'just a string'${footer}`);
  });

  it('prints a rejection with a value that is not an error in Node’s words', () => {
    const stderr = capture();
    printCrash(stderr, 'unhandledRejection', 42);
    expect(stderr.output).toBe(
      '[UnhandledPromiseRejection: This error originated either by throwing inside of an async function ' +
        'without a catch block, or by rejecting a promise which was not handled with .catch(). The promise ' +
        `rejected with the reason "42".] {\n  code: 'ERR_UNHANDLED_REJECTION'\n}${footer}`,
    );
  });

  it('writes nothing to a stream that is destroyed or ended', () => {
    for (const state of [{ destroyed: true }, { writableEnded: true }]) {
      const written: string[] = [];
      const stderr = { write: (chunk: string) => written.push(chunk), ...state };
      printCrash(stderr, 'uncaughtException', new Error('lost'));
      expect(written).toEqual([]);
    }
  });

  it('swallows the failure of its own write, and stops listening once a write succeeds', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    printCrash(failing, 'uncaughtException', new Error('boom'));
    // Listening from the write on: the stream's 'error' would otherwise be a new crash.
    expect(failing.listenerCount('error')).toBe(1);
    await new Promise((resolve) => failing.once('close', resolve));
    expect(failing.destroyed).toBe(true);

    const chunks: string[] = [];
    const working = new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    });
    printCrash(working, 'uncaughtException', new Error('boom'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks.join('')).toContain('Error: boom');
    expect(working.listenerCount('error')).toBe(0);
  });
});
