// One import, timed in-process: `esm <name>` (await import) or `cjs <name>` (require), after a
// builtin import warms the module loader, as an application's first line would find it.
import { createRequire } from 'node:module';

await import('node:os');
const [kind, name] = process.argv.slice(2);
const require = createRequire(`${process.cwd()}/`);
const start = performance.now();
if (kind === 'cjs') require(name);
else await import(name);
process.stdout.write(`${performance.now() - start}\n`);
