// Property tests of the run engine: random hooks (priorities, durations, sync and async, throwing,
// rejecting, never settling, ignoring or honouring their signal), random per-hook and global
// timeouts and delay, on fake timers — each run compared with a small reference model of the rules.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HookContext, HookStatus } from '../../src/index.js';
import { harness } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

type Kind = 'sync-ok' | 'sync-throw' | 'async-ok' | 'async-reject' | 'hang' | 'honour';

interface HookSpec {
  readonly priority: number;
  readonly kind: Kind;
  /** Ms until an async hook settles (ignored by the others). */
  readonly duration: number;
  /** The hook's own timeout, if any. */
  readonly timeout: number | undefined;
}

interface Scenario {
  readonly hooks: readonly HookSpec[];
  readonly timeout: number;
  readonly delay: number;
}

interface Expected {
  /** Status by hook index. */
  readonly statuses: readonly HookStatus[];
  readonly timedOut: boolean;
  readonly exitCode: number;
  /** Indexes of the hooks started, in the order they start. */
  readonly started: readonly number[];
}

/**
 * The rules, as a model: after `delay`, groups run by priority, highest first, each hook of a group
 * started at once; a hook's deadline is its own timeout when that comes before the global
 * deadline, else the global deadline; the next group starts when every hook of this one has ended
 * or been cut off; at the global deadline the running hooks are cut off and the rest skipped.
 * Returns undefined for scenarios where two timers fall on the same millisecond (their order is
 * then an accident of scheduling, not a rule).
 */
function model({ hooks, timeout, delay }: Scenario): Expected | undefined {
  const statuses: HookStatus[] = hooks.map(() => 'skipped');
  const started: number[] = [];
  const priorities = [...new Set(hooks.map((h) => h.priority))].sort((a, b) => b - a);
  let now = delay;
  let timedOut = false;
  for (const priority of priorities) {
    if (timedOut) break;
    let groupEnd = now;
    for (const [index, hook] of hooks.entries()) {
      if (hook.priority !== priority) continue;
      started.push(index);
      const own = hook.timeout !== undefined && now + hook.timeout < timeout;
      const deadline = own ? now + hook.timeout! : timeout;
      const settles =
        hook.kind === 'sync-ok' || hook.kind === 'sync-throw'
          ? now
          : hook.kind === 'async-ok' || hook.kind === 'async-reject'
            ? now + hook.duration
            : Number.POSITIVE_INFINITY;
      if (settles === deadline) return undefined;
      if (settles < deadline) {
        statuses[index] =
          hook.kind === 'sync-throw' || hook.kind === 'async-reject' ? 'error' : 'ok';
        groupEnd = Math.max(groupEnd, settles);
      } else {
        statuses[index] = 'timeout';
        if (!own) timedOut = true;
        groupEnd = Math.max(groupEnd, deadline);
      }
    }
    now = groupEnd;
  }
  const failed = timedOut || statuses.some((s) => s === 'error' || s === 'timeout');
  return { statuses, timedOut, exitCode: failed ? 1 : 0, started };
}

function hookOf(spec: HookSpec): (ctx: HookContext) => unknown {
  switch (spec.kind) {
    case 'sync-ok':
      return () => {};
    case 'sync-throw':
      return () => {
        throw new Error('sync failure');
      };
    case 'async-ok':
      return () => new Promise<void>((resolve) => setTimeout(resolve, spec.duration));
    case 'async-reject':
      return () =>
        new Promise<void>((_, reject) =>
          setTimeout(() => reject(new Error('async failure')), spec.duration),
        );
    case 'hang':
      // Ignores its signal and never settles.
      return () => new Promise<void>(() => {});
    case 'honour':
      // Settles only when its signal aborts: it is cut off all the same.
      return (ctx) =>
        new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
  }
}

const hookSpec = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom<Kind>(
    'sync-ok',
    'sync-throw',
    'async-ok',
    'async-reject',
    'hang',
    'honour',
  ),
  duration: fc.integer({ min: 1, max: 400 }),
  timeout: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
});

const scenario = fc
  .record({
    hooks: fc.array(hookSpec, { minLength: 0, maxLength: 8 }),
    timeout: fc.integer({ min: 50, max: 1500 }),
    delay: fc.integer({ min: 0, max: 300 }),
  })
  .filter((s) => s.delay < s.timeout);

async function run(s: Scenario) {
  const { sd, exits } = harness({ timeout: s.timeout, delay: s.delay });
  const started: number[] = [];
  const names = s.hooks.map((_, i) => `h${i}`);
  sd.on('hook:start', ({ name }) => started.push(names.indexOf(name)));
  for (const [i, spec] of s.hooks.entries()) {
    sd.onShutdown(names[i]!, hookOf(spec) as never, {
      priority: spec.priority,
      ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
    });
  }
  const done = sd.shutdown();
  await vi.advanceTimersByTimeAsync(s.timeout + 10);
  const report = await done;
  return { report, started, exits, names };
}

describe('the run engine against a model of its rules', () => {
  it('orders groups, runs each group at once, applies both deadlines, and reports it all', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const expected = model(s);
        fc.pre(expected !== undefined);
        const { report, started, exits, names } = await run(s);
        // The report lists every hook once: highest priority first, registration order within.
        const order = s.hooks
          .map((h, i) => ({ p: h.priority, i }))
          .sort((a, b) => b.p - a.p || a.i - b.i)
          .map(({ i }) => names[i]);
        expect(report.hooks.map((h) => h.name)).toEqual(order);
        const statusOf = new Map(report.hooks.map((h) => [h.name, h.status]));
        expect(names.map((n) => statusOf.get(n))).toEqual(expected!.statuses);
        expect(report.timedOut).toBe(expected!.timedOut);
        expect(report.exitCode).toBe(expected!.exitCode);
        expect(exits).toEqual([expected!.exitCode]);
        expect(started).toEqual(expected!.started);
        // A skipped hook never started; a hook that ended took no longer than the budget.
        for (const h of report.hooks) {
          if (h.status === 'skipped') expect(h.durationMs).toBe(0);
          expect(h.durationMs).toBeLessThanOrEqual(s.timeout);
        }
        expect(report.durationMs).toBeLessThanOrEqual(s.timeout);
      }),
      { numRuns: 150 },
    );
  });
});
