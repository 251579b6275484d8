// Without DEBUG the package never imports `debug`: importing it costs nothing, and a bundle that
// left `debug` out never meets the missing module.
import { afterAll, expect, it, vi } from 'vitest';
import { loadDebug } from '../../src/core/debug.js';

const imports = vi.hoisted(() => ({ count: 0 }));
vi.mock('debug', async (importOriginal) => {
  imports.count += 1;
  return importOriginal();
});

const saved = process.env.DEBUG;
afterAll(() => {
  if (saved === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = saved;
});

it('imports debug only once DEBUG is set', async () => {
  delete process.env.DEBUG;
  await loadDebug();
  expect(imports.count).toBe(0);
  process.env.DEBUG = 'shutdown-hooks:core';
  await loadDebug();
  expect(imports.count).toBe(1);
});
