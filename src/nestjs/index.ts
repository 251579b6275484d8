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
import { optionKeys, pick, validateOptions } from '../core/validate.js';
import { attachDrain } from '../http/drain.js';
import {
  DRAIN_KEYS,
  DRAIN_OPTION_KEYS,
  type DrainOptions,
  type ResolvedDrainOptions,
  resolveDrainOptions,
  validateRoutePath,
} from '../http/options.js';
import {
  alive,
  type ProbeAnswer,
  type ProbeRequest,
  type ProbeResponse,
  preStopHandler,
  READINESS_HEADERS,
  readinessProbe,
} from '../http/readiness.js';
import { takeOverNestSignals } from './signals.js';

// @nestjs/* are optional peers: nothing of them is loaded until forRoot() is called.
const load = createRequire(import.meta.url);

export interface NestShutdownOptions extends Omit<DrainOptions, 'name'> {
  /**
   * Path of the readiness route (200 while running, 503 once shutting down), or `false` for none.
   * @default '/ready'
   */
  readonly readinessPath?: string | false;
  /**
   * Path of a `preStopHandler()` route for Kubernetes' `lifecycle.preStop.httpGet`, or `false`.
   * @default false
   */
  readonly preStopPath?: string | false;
  /**
   * Path of a liveness route (200 for as long as the process runs, the drain included), or `false`.
   * @default false
   */
  readonly livenessPath?: string | false;
  /**
   * Name of the drain hook in the report; Nest's lifecycle hook is named `${name} close`.
   * @default 'nest'
   */
  readonly name?: string;
}

const NEST_OPTION_KEYS = optionKeys<NestShutdownOptions>({
  ...DRAIN_KEYS,
  readinessPath: true,
  preStopPath: true,
  livenessPath: true,
});

/** A Nest module ref as the lifecycle needs it: Nest's own `Module` class. */
type NestModuleRef = { readonly distance: number; readonly metatype?: unknown };
type LifecycleCall = (module: NestModuleRef, signal?: string) => Promise<unknown>;
interface NestHooks {
  callModuleDestroyHook: LifecycleCall;
  callBeforeAppShutdownHook: LifecycleCall;
  callAppShutdownHook: LifecycleCall;
}

/**
 * Ties a Nest application into the shutdown registry. Import it once, in the root module:
 *
 * - at `Priority.SERVER`, after `delay`, the HTTP server drains the way `drainHttp()` does: no
 *   request in flight is lost, keep-alive connections close cleanly;
 * - at `Priority.RESOURCE`, after the last response, Nest's lifecycle runs as `app.close()` runs
 *   it: `onModuleDestroy`, `beforeApplicationShutdown`, the adapter's close, then
 *   `onApplicationShutdown`, each with the signal that started the shutdown;
 * - a readiness route (`readinessPath`) answers 503 from the moment the shutdown begins; a
 *   liveness route (`livenessPath`) and a preStop route (`preStopPath`) when asked for.
 *
 * `app.enableShutdownHooks()` is not needed. If it is on as well, whenever it is called, the
 * module takes over the signals the registry handles from it (Nest would otherwise close every
 * module at once, while requests are still served, and re-raise the signal) and says so through
 * Nest's logger.
 *
 * @example
 * \@Module({ imports: [ShutdownHooksModule.forRoot({ delay: 5000 })] })
 * export class AppModule {}
 */
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes; forRoot() is Nest's convention.
export class ShutdownHooksModule {
  static forRoot(options?: NestShutdownOptions): DynamicModule {
    const given = validateOptions<NestShutdownOptions>(options, 'options', NEST_OPTION_KEYS);
    const routes: Routes = {
      readinessPath: validateRoutePath(given.readinessPath, '/ready', 'readinessPath'),
      livenessPath: validateRoutePath(given.livenessPath, false, 'livenessPath'),
      preStopPath: validateRoutePath(given.preStopPath, false, 'preStopPath'),
    };
    const o = resolveDrainOptions(pick(given, DRAIN_OPTION_KEYS));
    const core = load('@nestjs/core') as typeof import('@nestjs/core');
    return {
      module: ShutdownHooksModule,
      global: true,
      providers: [
        {
          provide: NestBinding,
          useFactory: (host: HttpAdapterHost, modules: ModulesContainer) =>
            new NestBinding(host, modules, o, routes),
          inject: [core.HttpAdapterHost, core.ModulesContainer],
        },
      ],
    };
  }
}

type Routes = Readonly<Record<'readinessPath' | 'livenessPath' | 'preStopPath', string | false>>;

/** The part of Nest's HTTP adapter the routes need (the same on Express and Fastify). */
interface NestHttpAdapter {
  get(path: string, handler: (request: unknown, response: unknown) => unknown): unknown;
  setHeader(response: unknown, name: string, value: string): unknown;
  reply(response: unknown, body: unknown, statusCode?: number): unknown;
  getInstance(): unknown;
  getHttpServer(): unknown;
  close(): unknown;
}

/** The provider behind the module: Nest calls its lifecycle methods. */
class NestBinding {
  readonly #host: HttpAdapterHost;
  readonly #modules: ModulesContainer;
  readonly #o: ResolvedDrainOptions;
  readonly #routes: Routes;
  #unregister: (() => void)[] = [];
  #stopWatching: (() => void) | undefined;

  constructor(
    host: HttpAdapterHost,
    modules: ModulesContainer,
    o: ResolvedDrainOptions,
    routes: Routes,
  ) {
    this.#host = host;
    this.#modules = modules;
    this.#o = o;
    this.#routes = routes;
  }

  /** After the application's own routes, before Nest's 404 handler and before Fastify is ready. */
  onModuleInit(): void {
    const imported = [...(this.#modules.values() as Iterable<NestModuleRef>)].filter(
      (module) => module.metatype === ShutdownHooksModule,
    ).length;
    if (imported > 1) {
      throw new Error(
        `ShutdownHooksModule is imported ${imported} times (ShutdownHooksModule.forRoot() with different options): import it once, in the root module. Each import would add its own drain, probe routes and run of Nest's lifecycle.`,
      );
    }
    const adapter = this.#host.httpAdapter as unknown as NestHttpAdapter | undefined;
    if (!adapter) return; // an application context without HTTP
    const { shutdown } = this.#o;
    const probes: [keyof Routes, () => ProbeAnswer | Promise<ProbeAnswer>][] = [
      ['readinessPath', readinessProbe({ shutdown })],
      ['livenessPath', alive],
    ];
    for (const [option, probe] of probes) {
      const path = this.#route(adapter, option);
      if (!path) continue;
      adapter.get(path, async (_request, response) => {
        const { statusCode, body } = await probe();
        for (const [name, value] of Object.entries(READINESS_HEADERS)) {
          adapter.setHeader(response, name, value);
        }
        adapter.reply(response, body, statusCode);
      });
    }
    const preStopPath = this.#route(adapter, 'preStopPath');
    if (preStopPath) {
      const preStop = preStopHandler({ shutdown });
      adapter.get(preStopPath, (request, response) =>
        preStop(rawOf(request) as ProbeRequest, rawOf(response) as ProbeResponse),
      );
    }
  }

  onApplicationBootstrap(): void {
    const adapter = this.#host.httpAdapter as unknown as NestHttpAdapter | undefined;
    const { shutdown } = this.#o;
    const name = this.#o.name ?? 'nest';
    if (adapter) {
      this.#unregister.push(attachDrain(adapter.getHttpServer() as Server, this.#o, { name }));
    }
    this.#unregister.push(
      shutdown.onShutdown(`${name} close`, (ctx) => this.#close(ctx), {
        priority: Priority.RESOURCE,
      }),
    );
    this.#stopWatching = takeOverNestSignals(shutdown);
  }

  /**
   * Nest closed the application: after the shutdown's lifecycle, or `app.close()` called by the
   * application itself, when the registry has nothing left to do.
   */
  onApplicationShutdown(): void {
    this.#stopWatching?.();
    if (this.#o.shutdown.isShuttingDown()) return;
    for (const unregister of this.#unregister.splice(0)) unregister();
  }

  /** The path for a route option, after checking that the application has no route there. */
  #route(adapter: NestHttpAdapter, option: keyof Routes): string | false {
    const path = this.#routes[option];
    if (path && hasGetRoute(adapter.getInstance(), path)) {
      throw new Error(
        `ShutdownHooksModule: the application already has a GET ${path} route, where the module's \`${option}\` would go. Pass \`${option}\` another path, or false for none.`,
      );
    }
    return path;
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

/** Fastify hands Nest its own request and reply; the raw Node objects are behind them. */
function rawOf(value: unknown): unknown {
  return (value as { raw?: unknown }).raw ?? value;
}

/** Whether the Express or Fastify instance behind Nest already routes GET `path`. */
function hasGetRoute(instance: unknown, path: string): boolean {
  const fastify = instance as { hasRoute?: (route: { method: string; url: string }) => boolean };
  if (typeof fastify.hasRoute === 'function') return fastify.hasRoute({ method: 'GET', url: path });
  // Express 4 (the one with `lazyrouter()`) keeps its router at `_router`, once it has one, and
  // throws from its `router` getter; Express 5 has it at `router`.
  const express = instance as {
    lazyrouter?: unknown;
    _router?: { stack: unknown[] };
    router?: { stack: unknown[] };
  };
  const router = typeof express.lazyrouter === 'function' ? express._router : express.router;
  return (router?.stack ?? []).some((layer) => {
    const route = (layer as { route?: { path: unknown; methods: Record<string, boolean> } }).route;
    return route?.path === path && route.methods.get === true;
  });
}
