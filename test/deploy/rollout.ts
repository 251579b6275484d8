// A rolling update of two replicas behind a real nginx, stopped the way Kubernetes stops a pod:
// termination begins at 0 (a preStop first, if any, then SIGTERM); the endpoint (the nginx
// upstream) still routes to the old replica until the lag has passed; SIGKILL at the grace
// period. A replica is a process (test/deploy) or a container (test/containers).
import { setTimeout as sleep } from 'node:timers/promises';
import { Load, type LoadResult } from '../../src/rehearse/load.js';
import type { Nginx } from './nginx.js';

export const LAG = 1000;
export const GRACE = 10_000;

/** A running replica of the service: where it listens, and how the kubelet ends it. */
export interface Replica {
  readonly port: number;
  /** Runs the preStop (if any) and sends the stop signal; SIGKILL at `GRACE`. Resolves on exit. */
  terminate(): Promise<Exit>;
  /** Ends it at once, whatever happened. */
  kill(): Promise<void>;
}

export interface Exit {
  readonly code: number | null;
  readonly killed: boolean;
}

/** Terminates `old` as the kubelet and the endpoints controller would, routing to `keep` after the lag. */
async function replace(proxy: Nginx, old: Replica, keep: number[]): Promise<Exit> {
  const exited = old.terminate();
  // The endpoint routes to it for the whole lag, whether it still serves or not.
  await sleep(LAG);
  await proxy.route(keep);
  return exited;
}

/** Rolls two replicas over to two new ones under load through nginx; what the clients saw. */
export async function rollout(
  startProxy: (upstreams: number[]) => Promise<Nginx>,
  startReplica: () => Promise<Replica>,
): Promise<{ load: LoadResult; exits: Exit[] }> {
  let a = await startReplica();
  let b = await startReplica();
  const proxy = await startProxy([a.port, b.port]);
  const load = new Load(new URL(`http://127.0.0.1:${proxy.port}/`), {
    connections: 64,
    timeout: GRACE + 2000,
    now: () => Date.now(),
    // A fresh client connection per request: nginx's own reload closes idle client connections,
    // a race of the proxy's edge that this test does not measure.
    keepAlive: false,
  });
  const exits: Exit[] = [];
  try {
    load.start(100);
    await sleep(500);
    const a2 = await startReplica();
    await proxy.route([a.port, b.port, a2.port]);
    exits.push(await replace(proxy, a, [b.port, a2.port]));
    a = a2;
    const b2 = await startReplica();
    await proxy.route([a.port, b.port, b2.port]);
    exits.push(await replace(proxy, b, [a.port, b2.port]));
    b = b2;
    await sleep(300);
    load.stop();
    await load.settled();
    return { load: load.result(), exits };
  } finally {
    load.abandon();
    await proxy.stop();
    await Promise.all([a.kill(), b.kill()]);
  }
}

/** What a rollout that lost nothing counts, by outcome. */
export function lostNothing(load: LoadResult): Record<string, number> {
  return {
    ok: load.sent,
    '4xx': 0,
    '503': 0,
    '5xx': 0,
    refused: 0,
    reset: 0,
    unanswered: 0,
    timeout: 0,
  };
}
