// Preloaded with `--import` into the children of the real-process tests while mutation testing
// (test/support/mutation-setup.ts), so that they run the library from src/, where Stryker's
// mutants are, instead of from dist/. It needs Node 22.15 or newer: type stripping and
// module.registerHooks, which covers require() as well as import.
//
// `shutdown-hooks` and `shutdown-hooks/<entry>` resolve to src/index.ts and src/<entry>/index.ts,
// and the sources' own `./x.js` imports to `./x.ts`. When SHUTDOWN_HOOKS_COVERAGE_DIR is set, the
// mutants this process reached are written there as it exits (and whenever it starts a thread),
// for the test that started it.
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';

const src = new URL('../../src/', import.meta.url);

registerHooks({
  resolve(specifier, context, next) {
    const entry = /^shutdown-hooks(?:\/([a-z]+))?$/.exec(specifier);
    if (entry) {
      const url = new URL(entry[1] ? `${entry[1]}/index.ts` : 'index.ts', src);
      return { url: url.href, shortCircuit: true };
    }
    const parent = context.parentURL;
    if (parent?.startsWith(src.href) && specifier.startsWith('.') && specifier.endsWith('.js')) {
      const url = new URL(`${specifier.slice(0, -3)}.ts`, parent);
      if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
    }
    return next(specifier, context);
  },
});

const dir = process.env.SHUTDOWN_HOOKS_COVERAGE_DIR;
if (dir) {
  // Through process.emit rather than an 'exit' listener: the tests count the process's listeners.
  const emit = process.emit;
  process.emit = function (name, ...args) {
    try {
      return emit.call(this, name, ...args);
    } finally {
      if (name === 'exit') writeCoverage(dir);
    }
  };
  // A process the watchdog kills never exits on its own: what it reached is written when a thread
  // (the watchdog) starts, too.
  const threads = createRequire(import.meta.url)('node:worker_threads');
  const { Worker } = threads;
  threads.Worker = class extends Worker {
    constructor(...args) {
      writeCoverage(dir);
      super(...args);
    }
    // A thread made through an import that kept the original class is still a Worker.
    static [Symbol.hasInstance](value) {
      return value instanceof Worker;
    }
  };
}

function writeCoverage(dir) {
  const coverage = globalThis.__stryker__?.mutantCoverage;
  if (!coverage) return;
  try {
    writeFileSync(join(dir, `${process.pid}-${threadId}.json`), JSON.stringify(coverage));
  } catch {
    // The test that wanted it is gone.
  }
}
