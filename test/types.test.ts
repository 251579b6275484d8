// Type tests for the public API: checked by `tsc --noEmit` (npm run typecheck), run as no-ops.
import type { ChildProcess } from 'node:child_process';
import type { Worker as ClusterWorker } from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { describe, expectTypeOf, it } from 'vitest';
import { rejectWhileDraining } from '../src/express/index.js';
import {
  type DrainOptions,
  drainHttp,
  type LongLivedConnection,
  readinessHandler,
} from '../src/http/index.js';
import {
  createShutdown,
  DEFAULTS,
  type HookContext,
  type HookResult,
  isShuttingDown,
  onShutdown,
  Priority,
  type Shutdown,
  type ShutdownReport,
  shutdown,
  shutdownSignal,
} from '../src/index.js';
import { type SupervisedTarget, type SuperviseOptions, supervise } from '../src/process/index.js';
import { createFakeProcess, createHookContext, createTestShutdown } from '../src/testing/index.js';

describe('public types', () => {
  it('core signatures', () => {
    expectTypeOf(onShutdown).toBeCallableWith('h', (_ctx: HookContext) => {});
    expectTypeOf(onShutdown).toBeCallableWith('h', async (ctx: HookContext) => {
      ctx.timeLeft();
    });
    expectTypeOf(onShutdown).toBeCallableWith('pool', { [Symbol.asyncDispose]: async () => {} });
    expectTypeOf(onShutdown).toBeCallableWith('file', { [Symbol.dispose]: () => {} });
    // @ts-expect-error neither a hook nor a disposable
    expectTypeOf(onShutdown).toBeCallableWith('x', { close: () => {} });
    expectTypeOf(onShutdown).returns.toEqualTypeOf<() => void>();
    expectTypeOf(isShuttingDown).returns.toEqualTypeOf<boolean>();
    expectTypeOf(shutdownSignal).toEqualTypeOf<AbortSignal>();
    expectTypeOf(shutdown).returns.resolves.toEqualTypeOf<ShutdownReport>();
    expectTypeOf(createShutdown).returns.toEqualTypeOf<Shutdown>();
    expectTypeOf(Priority.SERVER).toBeNumber();
    expectTypeOf(DEFAULTS.timeout).toBeNumber();
    expectTypeOf<HookContext['timeLeft']>().returns.toBeNumber();
    expectTypeOf<HookResult['status']>().toEqualTypeOf<'ok' | 'error' | 'timeout' | 'skipped'>();
    // Compiled, never called: registering would touch the real process.
    const typeOnly = () => {
      // @ts-expect-error a hook gets a context, not a callback
      onShutdown('x', (_ctx: HookContext, _done: () => void) => {});
      // @ts-expect-error options are typed
      onShutdown('x', () => {}, { priority: 'high' });
    };
    expectTypeOf(typeOnly).toBeFunction();
  });

  it('typed events', () => {
    const sd = createShutdown({ process: createFakeProcess(), exit: false });
    sd.on('done', (report) => expectTypeOf(report).toEqualTypeOf<ShutdownReport>());
    sd.on('hook:end', (result) => expectTypeOf(result).toEqualTypeOf<HookResult>());
    sd.on('force', (event) => expectTypeOf(event.running).toEqualTypeOf<readonly string[]>());
    // @ts-expect-error unknown events are rejected
    sd.on('finished', () => {});
    expectTypeOf(sd.state).toEqualTypeOf<'running' | 'draining' | 'stopped'>();
  });

  it('http, express and testing', () => {
    expectTypeOf(drainHttp).returns.toEqualTypeOf<() => void>();
    expectTypeOf<DrainOptions['onUpgraded']>().toEqualTypeOf<
      ((connection: LongLivedConnection) => void | Promise<void>) | undefined
    >();
    expectTypeOf(readinessHandler()).toBeCallableWith({} as IncomingMessage, {} as ServerResponse);
    expectTypeOf(rejectWhileDraining()).parameters.toMatchTypeOf<
      [IncomingMessage, ServerResponse, unknown]
    >();
    expectTypeOf(createTestShutdown().kill).returns.resolves.toEqualTypeOf<ShutdownReport>();
    expectTypeOf(createHookContext().ctx).toEqualTypeOf<HookContext>();
  });

  it('process', () => {
    expectTypeOf(supervise).parameter(0).toEqualTypeOf<SupervisedTarget>();
    expectTypeOf(supervise).returns.toEqualTypeOf<() => void>();
    expectTypeOf(supervise).toBeCallableWith({} as ChildProcess);
    expectTypeOf(supervise).toBeCallableWith({} as ClusterWorker, { signal: 'SIGINT' });
    expectTypeOf(supervise).toBeCallableWith({} as ThreadWorker, { timeout: 1000 });
    expectTypeOf<SuperviseOptions['priority']>().toEqualTypeOf<number | undefined>();
  });
});
