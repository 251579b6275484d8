import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PLATFORM_ENV } from '../core/platform.js';
import { REPORT_FILE_ENV } from '../core/report-file.js';
import { signalExitCode } from '../core/signals.js';
import { CommandService } from './command.js';
import { ContainerService, REPORT_MOUNT } from './container.js';
import { explain } from './explain.js';
import { Load } from './load.js';
import { describePreStop, type RehearseOptions } from './options.js';
import {
  checkLoadUrl,
  freePort,
  httpPreStop,
  readReport,
  waitUntilReady,
  watchReadiness,
} from './probe.js';
import { describeExit, type End, firstProcessOf, type Service, ServiceError } from './service.js';

export { ServiceError } from './service.js';

import type { Moment, Rehearsal } from './result.js';

export type { Rehearsal, RehearsalResult } from './result.js';

/** Something to say while it runs (the progress line). */
export type Progress = (line: string) => void;

type Timeline = Moment[];

/** The file name of the service's report, in the rehearsal's own temp dir. */
const REPORT_FILE = 'report.json';

/**
 * Runs one rehearsal: start the service (a command, or a container of an image), wait until it
 * is ready, load it, terminate it as Kubernetes does (preStop, signal, endpoint lag, SIGKILL at
 * the grace period), and collect what happened. Whatever it started is removed before this
 * returns, and on Ctrl-C.
 */
export async function rehearse(
  options: RehearseOptions,
  progress: Progress = () => {},
): Promise<Rehearsal> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shutdown-hooks-rehearse-'));
  // Set as soon as something exists to remove: a container is, before it has started.
  let remove: (() => void) | undefined;
  const interrupted = (signal: NodeJS.Signals) => {
    remove?.();
    rmSync(dir, { recursive: true, force: true });
    process.exit(signalExitCode(signal));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const service = await startService(options, port, dir, (undo) => {
      remove = undo;
    });
    progress(`started ${service.label}`);
    return await observe(service, options, port, dir, progress);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    remove?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the command, or a container of the image, with PORT and the report's file set. */
function startService(
  options: RehearseOptions,
  port: number,
  dir: string,
  adopt: (remove: () => void) => void,
): Promise<Service> {
  // Told the platform rehearsed, the service takes that platform's defaults.
  const env: Record<string, string> = {
    PORT: String(port),
    ...(options.platform ? { [PLATFORM_ENV]: options.platform.name } : {}),
  };
  if (!options.image) {
    const reportFile = join(dir, REPORT_FILE);
    const service = new CommandService(options.command, { ...env, [REPORT_FILE_ENV]: reportFile });
    adopt(() => service.remove());
    return Promise.resolve(service);
  }
  // The service may run as a user other than root: it must be able to write its report.
  chmodSync(dir, 0o777);
  return ContainerService.start(
    {
      ...options.image,
      image: options.image.name,
      args: options.command,
      // A platform's own signal; else the image's STOPSIGNAL, through the engine's `stop`.
      signal: options.platform?.signal,
    },
    { ...env, [REPORT_FILE_ENV]: `${REPORT_MOUNT}/${REPORT_FILE}` },
    dir,
    adopt,
  );
}

/** Readiness, the warmup, termination and what the clients saw, in that order. */
async function observe(
  service: Service,
  options: RehearseOptions,
  port: number,
  dir: string,
  progress: Progress,
): Promise<Rehearsal> {
  const base = `http://127.0.0.1:${port}`;
  const loadUrl = new URL(options.url.replaceAll('$PORT', String(port)));
  const started = Date.now();
  let ended: End | undefined;
  void service.exited.then((end) => {
    ended = end;
  });
  await waitUntilReady(`${base}${options.ready}`, options.readyTimeout, service);
  const readyAt = Date.now();
  await checkLoadUrl(loadUrl, options.readyTimeout);
  const pid = await service.firstPid();
  const first = pid === undefined ? undefined : firstProcessOf(pid);
  if (service instanceof ContainerService && first) service.noteFirstProcess(first);

  // Load until the end of the lag, then stop sending and let what was sent finish.
  const load = new Load(loadUrl, {
    connections: options.connections,
    timeout: options.grace + 1000,
    now: Date.now,
  });
  load.start(options.rate);
  progress(
    `ready after ${readyAt - started} ms; load of ${options.rate} requests/s for ${options.warmup} ms`,
  );
  await Promise.race([sleep(options.warmup), service.exited]);
  if (ended) {
    load.stop();
    load.abandon();
    throw new ServiceError(
      `the service exited (${describeExit(ended)}) during the warmup, before termination began${service.output.suffix()}`,
    );
  }

  const t0 = Date.now();
  const timeline: Timeline = [
    { ms: started - t0, what: 'service started', kind: 'started' },
    { ms: readyAt - t0, what: `ready (${options.ready} answered 200)`, kind: 'ready' },
  ];
  const at = (what: string, kind: Moment['kind']) =>
    timeline.push({ ms: Date.now() - t0, what, kind });
  const readiness = watchReadiness(`${base}${options.ready}`, service.exited);
  const lagOver = sleep(options.lag).then(() => {
    load.stop();
    at(`lag over: the endpoint stops routing to the service (${options.lag} ms)`, 'lag');
  });
  await terminate(service, options, { base, at, t0, running: () => ended === undefined });
  progress('termination under way; waiting for the service to exit');
  const end = await service.exited;
  const exitMs = Date.now() - t0;
  const killed = service.killed(end);
  if (killed) at(`grace period over: SIGKILL (${options.grace} ms)`, 'killed');
  timeline.push({ ms: exitMs, what: `exited (${describeExit(end)})`, kind: 'exit' });
  progress(`exited (${describeExit(end)}) after ${exitMs} ms; finishing the load`);
  const flipped = await readiness.stop();
  if (flipped !== undefined) {
    timeline.push({ ms: flipped - t0, what: `${options.ready} answered 503`, kind: 'readiness' });
  }
  // Whatever else the command started dies with it now, as with a container's processes.
  const strays = service.sweep();
  await lagOver;
  await Promise.race([load.settled(), sleep(2000)]);
  load.abandon();
  const result = load.result();
  if (result.lastOkAt !== undefined) {
    timeline.push({ ms: result.lastOkAt - t0, what: 'last request answered ok', kind: 'last-ok' });
  }
  timeline.sort((a, b) => a.ms - b.ms);

  const failed = result.sent - result.byKind.ok;
  const report = readReport(join(dir, REPORT_FILE));
  const container = await service.facts(end);
  const { notes, diagnosed } = explain({
    options,
    first,
    container,
    end,
    killed,
    byKind: result.byKind,
    unsent: result.unsent,
    strays,
    exitMs,
    report,
  });
  const clean =
    failed === 0 && !killed && !strays && !diagnosed && end.code === 0 && exitMs <= options.grace;
  return {
    verdict: clean ? 'pass' : 'fail',
    platform: options.platform?.name ?? null,
    requests: {
      sent: result.sent,
      ok: result.byKind.ok,
      failed,
      unsent: result.unsent,
      byKind: { ...result.byKind },
      log: result.log.map(([sent, ended, kind]) => [sent - t0, ended - t0, kind] as const),
    },
    exit: { code: end.code, signal: end.signal, ms: exitMs, killed },
    readiness: { flippedMs: flipped === undefined ? null : flipped - t0 },
    report,
    container,
    notes,
    startedAt: t0,
    settings: {
      signal: options.signal,
      lagMs: options.lag,
      graceMs: options.grace,
      preStop: describePreStop(options.preStop),
    },
    timeline,
  };
}

/**
 * Terminates as the kubelet does: the preStop first (bounded by the grace period), then the
 * signal, or the engine's stop, with the grace period that is left.
 */
async function terminate(
  service: Service,
  options: RehearseOptions,
  when: {
    readonly base: string;
    readonly at: (what: string, kind: Moment['kind']) => void;
    readonly t0: number;
    readonly running: () => boolean;
  },
): Promise<void> {
  const { base, at, t0 } = when;
  const { preStop } = options;
  if (preStop) {
    at(`preStop ${preStopLabel(preStop)}`, 'preStop');
    const hook =
      preStop.kind === 'sleep'
        ? sleep(preStop.ms)
        : preStop.kind === 'exec'
          ? service.exec(preStop.command)
          : httpPreStop(`${base}${preStop.path}`);
    await Promise.race([hook, service.exited, sleep(options.grace)]);
  }
  if (!when.running()) return;
  at(service.terminate(options.signal, Math.max(0, options.grace - (Date.now() - t0))), 'signal');
}

function preStopLabel(preStop: NonNullable<RehearseOptions['preStop']>): string {
  if (preStop.kind === 'sleep') return `sleep ${preStop.ms} ms`;
  if (preStop.kind === 'exec') return `exec ${preStop.command.join(' ')}`;
  return `GET ${preStop.path}`;
}
