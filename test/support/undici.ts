// The undici package the tests' clients use, loaded from its files: Bun answers an import of
// 'undici' with a module of its own, whose Client and Agent lack most of the real ones (destroy(),
// close(), rejectUnauthorized), so a test of Bun's servers would fail in its client.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const undici = require(
  join(dirname(require.resolve('undici/package.json')), 'index.js'),
) as typeof import('undici');

export const { Agent, Client, request } = undici;
