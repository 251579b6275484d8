// A real container engine for the container tests and the image benchmark: dockerd from Debian's
// docker.io, started from a temp dir with its own data root, exec root, socket and pid file (never
// the system service), a base image made here from the host's own node binary (no registry can be
// reached), and the images built FROM it: the Dockerfiles of examples/docker, and the ways of
// starting a service that lose its SIGTERM. Plain JavaScript, so that the benchmark can load it;
// its types are in containers.d.mts.
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = join(root, 'examples');

/** Set in CI: a container test fails instead of skipping when the engine is absent. */
export const REQUIRED = process.env.SHUTDOWN_HOOKS_REQUIRE_SERVICES === '1';

/** The dockerd binary, or undefined when it is not installed (or this is not root). */
export function findDockerd() {
  if (process.getuid?.() !== 0) return undefined;
  return ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((candidate) => existsSync(candidate));
}

/** Says, once, why a container suite skips (locally only). */
export function skipWithoutEngine(suite) {
  if (findDockerd() || REQUIRED) return false;
  console.log(
    `${suite} skipped: no container engine (apt-get install docker.io, as root; CI installs it)`,
  );
  return true;
}

/** One dockerd of our own, and the environment that points the docker CLI at it. */
export class Engine {
  #proc;

  constructor(dir, proc) {
    this.dir = dir;
    this.#proc = proc;
    // A docker CLI newer than the 20.10 daemon builds with the legacy builder only.
    this.env = { ...process.env, DOCKER_HOST: `unix://${dir}/docker.sock`, DOCKER_BUILDKIT: '0' };
  }

  static async start() {
    const dockerd = findDockerd();
    if (!dockerd) throw new Error('dockerd is not installed: apt-get install docker.io');
    // A short path: the sockets under it must fit in 108 bytes.
    const dir = mkdtempSync('/tmp/sh-dk-');
    const proc = spawn(
      dockerd,
      [
        ...['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec')],
        ...['--pidfile', join(dir, 'dockerd.pid'), '--host', `unix://${dir}/docker.sock`],
        ...['--storage-driver', 'overlay2', '--iptables=false', '--ip6tables=false'],
        ...['--ip-masq=false', '--bridge=none'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    proc.stderr.setEncoding('utf8').on('data', (chunk) => {
      log = (log + chunk).slice(-4000);
    });
    const engine = new Engine(dir, proc);
    for (let i = 0; i < 150 && proc.exitCode === null; i++) {
      if (
        await engine.docker(['version']).then(
          () => true,
          () => false,
        )
      )
        return engine;
      await sleep(100);
    }
    await engine.stop();
    throw new Error(`dockerd did not start:\n${log}`);
  }

  /** Runs the docker CLI against this engine; resolves with its stdout. */
  docker(args, { input } = {}) {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'docker',
        args,
        { env: this.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`docker ${args.join(' ')}: ${stderr || error.message}`))
            : resolve(stdout),
      );
      if (input) child.stdin.end(input);
    });
  }

  /** Builds `context` with `dockerfile` as `tag`, with build arguments. */
  async build(tag, context, args, dockerfile) {
    await this.docker([
      'build',
      '--quiet',
      // There is no bridge: RUN steps share the host's network.
      ...['--network', 'host', '--file', dockerfile, '--tag', tag],
      ...Object.entries(args).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
      context,
    ]);
  }

  /** Stops dockerd (by its pid file), its containers with it, and removes its directory. */
  async stop() {
    const ids = (await this.docker(['ps', '--all', '--quiet']).catch(() => '')).trim();
    if (ids) await this.docker(['rm', '--force', ...ids.split('\n')]).catch(() => {});
    const pidFile = join(this.dir, 'dockerd.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : this.#proc.pid;
    try {
      if (pid) process.kill(pid, 'SIGTERM');
    } catch {}
    if (this.#proc.exitCode === null) {
      await Promise.race([new Promise((r) => this.#proc.once('exit', r)), sleep(10_000)]);
    }
    // dockerd leaves mounts under its directories (the network namespace, overlays).
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((path) => path.startsWith(this.dir))
      .sort((a, b) => b.length - a.length);
    for (const mount of mounts) {
      try {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
      } catch {}
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const BASE_IMAGE = 'shutdown-hooks-base:test';

/**
 * The base image: a root filesystem with the host's node binary and the libraries it links,
 * dash as /bin/sh, sleep, env and tini, npm, a `node` user, and the built library with its
 * runtime dependencies in /node_modules, where an import from any directory finds it. Imported
 * with `docker import`: no registry is needed.
 */
export async function buildBaseImage(engine) {
  const rootfs = mkdtempSync(join(tmpdir(), 'shutdown-hooks-rootfs-'));
  try {
    const node = realpathSync(process.execPath);
    const binaries = [node, '/usr/bin/dash', '/usr/bin/env', '/usr/bin/sleep'];
    if (existsSync('/usr/bin/tini')) binaries.push('/usr/bin/tini');
    const libraries = execFileSync('ldd', binaries, { encoding: 'utf8' })
      .split('\n')
      .map((line) => /(\/\S+\.so[^\s]*)/.exec(line)?.[1])
      .filter((path) => path !== undefined);
    for (const file of [...binaries, ...new Set(libraries)]) {
      const target = join(rootfs, file === node ? '/usr/bin/node' : file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
      chmodSync(target, 0o755);
    }
    for (const dir of ['bin', 'tmp', 'etc', 'app', 'home/node', 'usr/lib/node_modules']) {
      mkdirSync(join(rootfs, dir), { recursive: true });
    }
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    symlinkSync('/usr/bin/dash', join(rootfs, 'bin/sh'));
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    execFileSync('chown', ['1000:1000', join(rootfs, 'home/node')]);
    const npm = join(dirname(dirname(node)), 'lib/node_modules/npm');
    if (existsSync(npm)) {
      cpSync(npm, join(rootfs, 'usr/lib/node_modules/npm'), { recursive: true });
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/bin/npm'));
    }
    installPackage(rootfs);
    const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1024 * 1024 * 1024 });
    await engine.docker(
      ['import', '--change', 'CMD ["node"]', '--change', 'WORKDIR /app', '-', BASE_IMAGE],
      { input: tar },
    );
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/**
 * Puts the built package into `<dir>/node_modules/shutdown-hooks` with its runtime dependencies
 * only, as `npm install shutdown-hooks` would, and a package.json into `dir` if it has none (Deno
 * resolves node_modules only beside one).
 */
export function installPackage(dir) {
  const modules = join(dir, 'node_modules');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) {
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  }
  mkdirSync(join(modules, 'shutdown-hooks'), { recursive: true });
  cpSync(join(root, 'dist'), join(modules, 'shutdown-hooks/dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(modules, 'shutdown-hooks/package.json'));
  const prod = execFileSync('npm', ['ls', '--omit=dev', '--omit=peer', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
  });
  for (const path of prod.trim().split('\n').slice(1)) {
    cpSync(path, join(modules, path.split('node_modules/').pop()), { recursive: true });
  }
}

/** The cases of docs/deploy.md's table, in its order: how `docker stop` ends each image. */
export const CASES = Object.freeze([
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
]);

/** The images a rehearsal runs: the http example started each way, `rehearsalEnv` baked in. */
export const REHEARSED = Object.freeze({
  'sh-test/http': 'sh-test/exec-form',
  'sh-test/http-tini': 'sh-test/tini',
  'sh-test/http-start-script': 'sh-test/start-script',
  'sh-test/http-typescript': 'sh-test/typescript',
  'sh-test/http-shell-form': 'sh-test/shell-form',
  'sh-test/http-npm-start': 'sh-test/npm-start',
});

/**
 * Builds every image of `CASES` on the base image, and those of `REHEARSED` with `rehearsalEnv`
 * set (a delay longer than the rehearsal's lag). The context of each is a copy of
 * examples/docker/app with examples/http.mjs as its server.mjs.
 */
export async function buildImages(engine, rehearsalEnv = { DELAY_MS: '1000' }) {
  const context = mkdtempSync(join(tmpdir(), 'shutdown-hooks-context-'));
  try {
    cpSync(join(examples, 'docker/app'), context, { recursive: true });
    cpSync(join(examples, 'http.mjs'), join(context, 'server.mjs'));
    cpSync(join(root, 'test/fixtures/plain-server.mjs'), join(context, 'plain.mjs'));
    const offline = { BASE: BASE_IMAGE, INSTALL: 'true', INSTALL_TINI: 'true' };
    const dockerfile = (name, text) => {
      const file = join(context, `${name}.Dockerfile`);
      writeFileSync(file, `${text}\n`);
      return file;
    };
    const app = (text) => `FROM ${BASE_IMAGE}\nWORKDIR /app\nCOPY . .\n${text}`;
    const script = (start) =>
      `RUN node -e "const p=require('./package.json');p.scripts.start='${start}';require('fs').writeFileSync('package.json',JSON.stringify(p))"\n`;
    const builds = [
      ['sh-test/exec-form', join(examples, 'docker/exec-form/Dockerfile'), offline],
      ['sh-test/tini', join(examples, 'docker/tini/Dockerfile'), offline],
      ['sh-test/start-script', join(examples, 'docker/start-script/Dockerfile'), offline],
      ['sh-test/no-handler', dockerfile('no-handler', app('CMD ["node", "plain.mjs"]')), {}],
      ['sh-test/shell-form', dockerfile('shell-form', app('CMD node server.mjs')), {}],
      [
        'sh-test/npm-start',
        dockerfile('npm-start', app(`${script('node server.mjs')}CMD ["npm", "start"]`)),
        {},
      ],
      [
        'sh-test/npm-start-exec',
        dockerfile('npm-start-exec', app(`${script('exec node server.mjs')}CMD ["npm", "start"]`)),
        {},
      ],
    ];
    await Promise.all(builds.map(([tag, file, args]) => engine.build(tag, context, args, file)));
    await buildTypeScript(engine);
    const env = Object.entries(rehearsalEnv).map(([name, value]) => `ENV ${name}=${value}`);
    await Promise.all(
      Object.entries(REHEARSED).map(([tag, from]) =>
        engine.build(
          tag,
          context,
          {},
          dockerfile(tag.replace('/', '-'), [`FROM ${from}`, ...env].join('\n')),
        ),
      ),
    );
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * The multi-stage TypeScript example, built offline: its compiler and types come in the context
 * (copied from this repository's node_modules, so its .dockerignore is left out), the package in
 * the base image.
 */
async function buildTypeScript(engine) {
  const context = mkdtempSync(join(tmpdir(), 'shutdown-hooks-context-ts-'));
  try {
    cpSync(join(examples, 'docker/typescript'), context, {
      recursive: true,
      filter: (source) => !source.endsWith('.dockerignore'),
    });
    for (const dependency of ['typescript', '@types/node', 'undici-types']) {
      cpSync(join(root, 'node_modules', dependency), join(context, 'node_modules', dependency), {
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
