import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShutdownReport } from '../core/types.js';
import { outcomeOf } from './load.js';
import { UsageError } from './options.js';
import { describeExit, type End, type Service, ServiceError } from './service.js';

/** A port free on loopback now, for the service's PORT. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One GET with a fresh connection; the status, or undefined when there was no answer. */
export function probe(url: string, timeout = 1000): Promise<number | undefined> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    const req = client.get(url, { agent: false, timeout, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * The load URL must answer 2xx or 3xx before termination: a rehearsal of 404s (the default `/`
 * of most APIs) would pass while proving nothing.
 */
export async function checkLoadUrl(url: URL, timeout: number): Promise<void> {
  const status = await probe(url.href, timeout);
  if (status !== undefined && outcomeOf(status) === 'ok') return;
  const answered =
    status === undefined ? `did not answer within ${timeout} ms` : `answered ${status}`;
  throw new UsageError(
    `the load URL ${url.href} ${answered} before termination, not 2xx or 3xx: pass --url with a path of the service that answers 2xx (a path alone, such as --url /health, is taken on the service's port)`,
  );
}

/** Polls `url` until it answers 200; a `ServiceError` if the service exits or never does. */
export async function waitUntilReady(
  url: string,
  timeout: number,
  service: Service,
): Promise<void> {
  const deadline = Date.now() + timeout;
  let ended: End | undefined;
  void service.exited.then((end) => {
    ended = end;
  });
  let last: number | undefined;
  while (Date.now() < deadline) {
    if (ended) {
      throw new ServiceError(
        `the service exited (${describeExit(ended)}) before it was ready${service.output.suffix()}`,
      );
    }
    last = await probe(url);
    if (last === 200) return;
    await sleep(50);
  }
  const suffix = service.output.suffix();
  throw new ServiceError(
    last === undefined
      ? `nothing answered on ${url} within ${timeout} ms: does the service listen on the PORT it is given?${suffix}`
      : `${url} answered ${last}, not 200, for ${timeout} ms: pass --ready with a path that answers 200 when ready${suffix}`,
  );
}

/** Polls readiness until it answers anything but 200; `stop()` resolves with when it did. */
export function watchReadiness(
  url: string,
  exited: Promise<End>,
): { stop(): Promise<number | undefined> } {
  let stopped = false;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const watching = (async () => {
    while (!stopped && !gone) {
      const status = await probe(url, 500);
      if (status !== undefined && status !== 200) return Date.now();
      await sleep(20);
    }
    return undefined;
  })();
  return {
    stop() {
      stopped = true;
      return watching;
    },
  };
}

/** The kubelet's `httpGet` preStop: waits for the whole answer (or an error). */
export function httpPreStop(url: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
  });
}

export function readReport(file: string): ShutdownReport | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ShutdownReport;
  } catch {
    return null;
  }
}
