// The library's dependencies as bundlers and output tracers see them: `debug` is reached by a
// dynamic import (a plain `require` in the CommonJS build) and only when DEBUG is set, so an app
// bundled with esbuild and run from an empty folder works, with or without DEBUG, and a missing
// `debug` never stops the library from loading.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackage, spawnNode } from '../support/child.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-bundle-'));
  installPackage(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Registers a hook, says which modules of `debug` are loaded, and stops itself.
const APP = `
import { createRequire } from 'node:module';
import { onShutdown, shutdown } from 'shutdown-hooks';
onShutdown('flush', () => console.log('flush ran'));
setTimeout(async () => {
  const cache = Object.keys(createRequire(import.meta.url).cache);
  console.log('debug loaded: ' + cache.some((path) => /node_modules[\\\\/]debug[\\\\/]/.test(path)));
  await shutdown();
}, 100);
`;

/** Runs `file` from `cwd` with `env`; its exit code and output. */
async function runApp(file: string, cwd: string, env: Record<string, string> = {}) {
  return spawnNode([file], { cwd, env }).result;
}

describe('debug, as bundlers and tracers see it', () => {
  it('is not loaded without DEBUG; with DEBUG it is, and speaks', async () => {
    writeFileSync(join(dir, 'app.mjs'), APP);
    const quiet = await runApp(join(dir, 'app.mjs'), dir);
    expect(quiet.code).toBe(0);
    expect(quiet.lines).toEqual(['debug loaded: false', 'flush ran']);
    expect(quiet.stderr).toBe('');
    const loud = await runApp(join(dir, 'app.mjs'), dir, { DEBUG: 'shutdown-hooks:core' });
    expect(loud.code).toBe(0);
    expect(loud.lines).toEqual(['debug loaded: true', 'flush ran']);
    expect(loud.stderr).toMatch(/shutdown-hooks:core shutdown begins: manual; hooks: flush/);
  });

  it('an esbuild bundle (ESM and CommonJS) runs from an empty folder, DEBUG on or off', async () => {
    const entry = join(dir, 'app.mjs');
    writeFileSync(entry, APP);
    for (const format of ['esm', 'cjs'] as const) {
      const out = mkdtempSync(join(tmpdir(), 'shutdown-hooks-bundled-'));
      try {
        const file = join(out, format === 'esm' ? 'app.mjs' : 'app.cjs');
        await build({
          entryPoints: [entry],
          bundle: true,
          platform: 'node',
          format,
          outfile: file,
          logLevel: 'silent',
          // import.meta.url has no meaning in a CommonJS bundle: the app's own probe reads it.
          define: format === 'cjs' ? { 'import.meta.url': '__filename' } : {},
        });
        const quiet = await runApp(file, out);
        expect(quiet.code, format).toBe(0);
        expect(quiet.lines, format).toContain('flush ran');
        const loud = await runApp(file, out, { DEBUG: 'shutdown-hooks:*' });
        expect(loud.code, format).toBe(0);
        expect(loud.lines, format).toContain('flush ran');
        // Through debug when it could be bundled, else written plainly: said either way.
        expect(loud.stderr, format).toMatch(/shutdown-hooks:core .*shutdown begins: manual/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  });

  it('a package without debug installed still loads, and writes the lines plainly', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'shutdown-hooks-nodebug-'));
    try {
      installPackage(bare);
      rmSync(join(bare, 'node_modules', 'debug'), { recursive: true, force: true });
      writeFileSync(join(bare, 'app.mjs'), APP);
      const r = await runApp(join(bare, 'app.mjs'), bare, { DEBUG: 'shutdown-hooks:core' });
      expect(r.code).toBe(0);
      expect(r.lines).toEqual(['debug loaded: false', 'flush ran']);
      expect(r.stderr).toMatch(/^shutdown-hooks:core shutdown begins: manual; hooks: flush$/m);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
