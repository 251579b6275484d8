/**
 * The NestJS 10 and 11 module, on the Express and Fastify platforms.
 *
 * @module shutdown-hooks/nestjs
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:net';
import type { DynamicModule } from '@nestjs/common';
import type { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { Priority } from '../core/priority.js';
import type { HookContext } from '../core/types.js';
import { validateOptions } from '../core/validate.js';
import { createDrainHook } from '../http/drain.js';
import { type DrainOptions, resolveDrainOptions, validateRoutePath } from '../http/options.js';
import { READINESS_HEADERS, readinessProbe } from '../http/readiness.js';
import { ConnectionTracker } from '../http/tracker.js';

// @nestjs/* are optional peers: nothing of them is loaded until forRoot() is called.
const load = createRequire(import.meta.url);

export interface NestShutdownOptions extends Omit<DrainOptions, 'name'> {
  /**
   * Path of the readiness route (200 while running, 503 once shutting down), or `false` for none.
   * @default '/ready'
   */
  readonly readinessPath?: string | false;
  /**
   * Name of the drain hook in the report; Nest's lifecycle hook is named `${name} close`.
   * @default 'nest'
   */
  readonly name?: string;
}

/** A Nest module ref as the lifecycle needs it: Nest's own `Module` class. */
type NestModuleRef = { readonly distance: number };
type LifecycleCall = (module: NestModuleRef, signal?: string) => Promise<unknown>;
interface NestHooks {
  callModuleDestroyHook: LifecycleCall;
  callBeforeAppShutdownHook: LifecycleCall;
  callAppShutdownHook: LifecycleCall;
}

/** What Nest's own `close()` runs: Nest's source marks its signal listener with this call. */
const NEST_SIGNAL_LISTENER = 'callBeforeShutdownHook';

/**
 * Ties a Nest application into the shutdown registry. Import it once, in the root module:
 *
 * - at `Priority.SERVER`, after `delay`, the HTTP server drains the way `drainHttp()` does: no
 *   request in flight is lost, keep-alive connections close cleanly;
 * - at `Priority.RESOURCE`, after the last response, Nest's lifecycle runs as `app.close()` runs
 *   it: `onModuleDestroy`, `beforeApplicationShutdown`, the adapter's close, then
 *   `onApplicationShutdown`, each with the signal that started the shutdown;
 * - a readiness route (`readinessPath`) answers 503 from the moment the shutdown begins.
 *
 * Do not also call `app.enableShutdownHooks()`: on a signal it closes every module at once, while
 * requests are still being served. The module says so through Nest's logger when it sees it.
 *
 * @example
 * \@Module({ imports: [ShutdownHooksModule.forRoot({ delay: 5000 })] })
 * export class AppModule {}
 */
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes; forRoot() is Nest's convention.
export class ShutdownHooksModule {
  static forRoot(options?: NestShutdownOptions): DynamicModule {
    const given = validateOptions<NestShutdownOptions>(options, 'options');
    const { readinessPath: _path, ...drainOptions } = given;
    const readinessPath = validateRoutePath(given.readinessPath, '/ready', 'readinessPath');
    const o = resolveDrainOptions(drainOptions);
    const core = load('@nestjs/core') as typeof import('@nestjs/core');
    return {
      module: ShutdownHooksModule,
      global: true,
      providers: [
        {
          provide: NestBinding,
          useFactory: (host: HttpAdapterHost, modules: ModulesContainer) =>
            new NestBinding(host, modules, { ...o, readinessPath }),
          inject: [core.HttpAdapterHost, core.ModulesContainer],
        },
      ],
    };
  }
}

type Resolved = ReturnType<typeof resolveDrainOptions> & { readonly readinessPath: string | false };

/** The provider behind the module: Nest calls its lifecycle methods. */
class NestBinding {
  readonly #host: HttpAdapterHost;
  readonly #modules: ModulesContainer;
  readonly #o: Resolved;
  #unregister: (() => void)[] = [];

  constructor(host: HttpAdapterHost, modules: ModulesContainer, o: Resolved) {
    this.#host = host;
    this.#modules = modules;
    this.#o = o;
  }

  /** Before Nest's 404 handler is in place, and before Fastify is ready: add the route. */
  onModuleInit(): void {
    const adapter = this.#host.httpAdapter;
    if (!adapter) return; // an application context without HTTP
    const path = this.#o.readinessPath;
    if (path) {
      const probe = readinessProbe({ shutdown: this.#o.shutdown });
      adapter.get(path, async (_request: unknown, response: unknown) => {
        const { statusCode, body } = await probe();
        for (const [name, value] of Object.entries(READINESS_HEADERS)) {
          adapter.setHeader(response, name, value);
        }
        adapter.reply(response, body, statusCode);
      });
    }
  }

  onApplicationBootstrap(): void {
    const adapter = this.#host.httpAdapter;
    const { shutdown } = this.#o;
    const name = this.#o.name ?? 'nest';
    if (adapter) {
      const server = adapter.getHttpServer() as Server;
      const tracker = new ConnectionTracker(server, this.#o);
      this.#unregister.push(
        shutdown.onShutdown(name, createDrainHook(server, tracker, this.#o, name), this.#o.hook),
        () => tracker.detach(),
      );
    }
    this.#unregister.push(
      shutdown.onShutdown(`${name} close`, (ctx) => this.#close(ctx), {
        priority: Priority.RESOURCE,
      }),
    );
    warnIfNestListens();
  }

  /** `app.close()` called by the application itself: the registry has nothing left to do. */
  onApplicationShutdown(): void {
    if (this.#o.shutdown.isShuttingDown()) return;
    for (const unregister of this.#unregister.splice(0)) unregister();
  }

  /** The lifecycle of Nest's `app.close()`, in its order, once the last request has been served. */
  async #close(ctx: HookContext): Promise<void> {
    const hooks = load('@nestjs/core/hooks') as NestHooks;
    const signal = ctx.reason;
    // Nest orders modules by distance from the root, deepest first, and closes them in reverse.
    const byDistance = [...(this.#modules.values() as Iterable<NestModuleRef>)].sort(
      (a, b) => b.distance - a.distance,
    );
    const closing = byDistance.reverse();
    for (const module of closing) await hooks.callModuleDestroyHook(module);
    for (const module of closing) await hooks.callBeforeAppShutdownHook(module, signal);
    await this.#host.httpAdapter?.close();
    for (const module of closing) await hooks.callAppShutdownHook(module, signal);
  }
}

/** Says, through Nest's logger, that `enableShutdownHooks()` would close the modules too early. */
function warnIfNestListens(): void {
  const nest = (['SIGTERM', 'SIGINT'] as const).filter((signal) =>
    process.listeners(signal).some((listener) => String(listener).includes(NEST_SIGNAL_LISTENER)),
  );
  if (nest.length === 0) return;
  const { Logger } = load('@nestjs/common') as typeof import('@nestjs/common');
  new Logger('ShutdownHooksModule').warn(
    `app.enableShutdownHooks() is on as well (${nest.join(', ')}): on that signal Nest closes every module at once, while requests are still being served, and then again after the drain. Remove it: ShutdownHooksModule runs Nest's lifecycle after the last request.`,
  );
}
