import { defineConfig } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'http/index': 'src/http/index.ts',
  'express/index': 'src/express/index.ts',
  'fastify/index': 'src/fastify/index.ts',
  'testing/index': 'src/testing/index.ts',
  'process/index': 'src/process/index.ts',
  'nestjs/index': 'src/nestjs/index.ts',
  'next/index': 'src/next/index.ts',
};

export default defineConfig([
  {
    entry,
    format: ['esm'],
    dts: true,
    target: 'node20',
    splitting: true,
    sourcemap: true,
    // eventemitter3 ships CommonJS behind an ESM wrapper: importing it from ESM loads Node's
    // CommonJS lexer, about 9 ms, more than the rest of this package. The ESM build carries its
    // own copy (the dependency stays, for the types and the CommonJS build).
    noExternal: ['eventemitter3'],
  },
  {
    entry,
    format: ['cjs'],
    dts: true,
    target: 'node20',
    sourcemap: true,
    // p-timeout ships ESM only; the CommonJS build carries its own copy so `require()` works on
    // every supported Node version, not only where require(esm) is available.
    noExternal: ['p-timeout'],
    // Gives the CommonJS build an import.meta.url for createRequire.
    shims: true,
    splitting: true,
  },
  {
    // The `shutdown-hooks` command (rehearse). Its own bundle: nothing of it is loaded by the
    // library's entry points.
    entry: { cli: 'src/rehearse/bin.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    splitting: false,
  },
]);
