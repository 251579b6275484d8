// The images the container tests run: the Dockerfiles of examples/docker, and the ways of
// starting a service that lose its SIGTERM, each built FROM the local base image.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_IMAGE, type Engine } from './engine.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url));

/** An image and how it is started; `handler` says whether the service handles SIGTERM. */
export interface ImageCase {
  readonly image: string;
  /** How the image starts the service, as docs/deploy.md's table says it. */
  readonly pattern: string;
  /** Extra `docker run` flags. */
  readonly run?: readonly string[];
  /** What `docker stop` ends with: the exit code measured here, and whether it waited for SIGKILL. */
  readonly exitCode: number;
  readonly killed: boolean;
}

/** The cases of docs/deploy.md's table, in its order. */
export const CASES: readonly ImageCase[] = [
  {
    image: 'sh-test/no-handler',
    pattern: 'exec form, no SIGTERM handler',
    exitCode: 137,
    killed: true,
  },
  { image: 'sh-test/exec-form', pattern: 'exec form, shutdown-hooks', exitCode: 0, killed: false },
  {
    image: 'sh-test/shell-form',
    pattern: 'shell form (`CMD node server.mjs`), shutdown-hooks',
    exitCode: 137,
    killed: true,
  },
  {
    image: 'sh-test/npm-start',
    pattern: '`npm start` (`"start": "node server.mjs"`), shutdown-hooks',
    exitCode: 1,
    killed: false,
  },
  {
    image: 'sh-test/npm-start-exec',
    pattern: '`npm start` (`"start": "exec node server.mjs"`), shutdown-hooks',
    exitCode: 0,
    killed: false,
  },
  {
    image: 'sh-test/start-script',
    pattern: 'a start script ending in `exec node server.mjs`, shutdown-hooks',
    exitCode: 0,
    killed: false,
  },
  {
    image: 'sh-test/no-handler',
    pattern: '`docker run --init`, no SIGTERM handler',
    run: ['--init'],
    exitCode: 143,
    killed: false,
  },
  {
    image: 'sh-test/exec-form',
    pattern: '`docker run --init`, shutdown-hooks',
    run: ['--init'],
    exitCode: 0,
    killed: false,
  },
  {
    image: 'sh-test/tini',
    pattern: 'tini as ENTRYPOINT, shutdown-hooks',
    exitCode: 0,
    killed: false,
  },
  {
    image: 'sh-test/typescript',
    pattern: 'a multi-stage TypeScript build, exec form, shutdown-hooks',
    exitCode: 0,
    killed: false,
  },
];

/**
 * Builds every image of `CASES` (and the multi-stage TypeScript example) on the base image. The
 * context of each is a copy of examples/docker/app with examples/http.mjs as its server.mjs.
 */
export async function buildImages(engine: Engine): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), 'shutdown-hooks-context-'));
  try {
    cpSync(join(examples, 'docker/app'), context, { recursive: true });
    cpSync(join(examples, 'http.mjs'), join(context, 'server.mjs'));
    cpSync(join(fixtures, 'plain-server.mjs'), join(context, 'plain.mjs'));
    const offline = { BASE: BASE_IMAGE, INSTALL: 'true', INSTALL_TINI: 'true' };
    const dockerfile = (name: string, text: string) => {
      const file = join(context, `${name}.Dockerfile`);
      writeFileSync(file, `FROM ${BASE_IMAGE}\nWORKDIR /app\nCOPY . .\n${text}\n`);
      return file;
    };
    const script = (start: string) =>
      `RUN node -e "const p=require('./package.json');p.scripts.start='${start}';require('fs').writeFileSync('package.json',JSON.stringify(p))"\n`;
    const builds: [string, string, Record<string, string>][] = [
      ['sh-test/exec-form', join(examples, 'docker/exec-form/Dockerfile'), offline],
      ['sh-test/tini', join(examples, 'docker/tini/Dockerfile'), offline],
      ['sh-test/start-script', join(examples, 'docker/start-script/Dockerfile'), offline],
      ['sh-test/no-handler', dockerfile('no-handler', 'CMD ["node", "plain.mjs"]'), {}],
      ['sh-test/shell-form', dockerfile('shell-form', 'CMD node server.mjs'), {}],
      [
        'sh-test/npm-start',
        dockerfile('npm-start', `${script('node server.mjs')}CMD ["npm", "start"]`),
        {},
      ],
      [
        'sh-test/npm-start-exec',
        dockerfile('npm-start-exec', `${script('exec node server.mjs')}CMD ["npm", "start"]`),
        {},
      ],
    ];
    await Promise.all(builds.map(([tag, file, args]) => engine.build(tag, context, args, file)));
    // The http example as a rehearsal runs it: a delay of 1 s, longer than the rehearsals' lag.
    const http = join(context, 'http.Dockerfile');
    writeFileSync(http, 'FROM sh-test/exec-form\nENV DELAY_MS=1000\n');
    await engine.build('sh-test/http', context, {}, http);
    await buildTypeScript(engine);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * The multi-stage TypeScript example, built offline: its compiler and types come in the context
 * (copied from this repository's node_modules, so its .dockerignore is left out), the package in
 * the base image.
 */
async function buildTypeScript(engine: Engine): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), 'shutdown-hooks-context-ts-'));
  try {
    const example = join(examples, 'docker/typescript');
    cpSync(example, context, {
      recursive: true,
      filter: (source) => !source.endsWith('.dockerignore'),
    });
    for (const dependency of ['typescript', '@types/node', 'undici-types']) {
      cpSync(join(modules, dependency), join(context, 'node_modules', dependency), {
        recursive: true,
      });
    }
    mkdirSync(join(context, 'node_modules/.bin'));
    symlinkSync('../typescript/bin/tsc', join(context, 'node_modules/.bin/tsc'));
    await engine.build(
      'sh-test/typescript',
      context,
      { BASE: BASE_IMAGE, INSTALL: 'true', PRUNE: 'true' },
      join(context, 'Dockerfile'),
    );
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
