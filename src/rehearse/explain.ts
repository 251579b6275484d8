import { constants } from 'node:os';
import type { ShutdownReport } from '../core/types.js';
import type { Outcome } from './load.js';
import type { RehearseOptions } from './options.js';
import { type ContainerFacts, describeExit, type End, type FirstProcess } from './service.js';

/** What the rehearsal saw, for the notes. */
export interface Facts {
  readonly options: RehearseOptions;
  /** The command's first process, or PID 1 of the container, read once the service was ready. */
  readonly first: FirstProcess | undefined;
  readonly container: ContainerFacts | null;
  readonly end: End;
  readonly killed: boolean;
  readonly byKind: Readonly<Record<Outcome, number>>;
  /** Requests due at the rate but never sent: every connection still waited for an answer. */
  readonly unsent: number;
  /** Processes the command started were still running after it exited. */
  readonly strays: boolean;
  readonly exitMs: number;
  readonly report: ShutdownReport | null;
}

/** Whether the notes found a cause that fails the rehearsal by itself (the signal went astray). */
export interface Explained {
  readonly notes: string[];
  readonly diagnosed: boolean;
}

/**
 * Says, in a sentence each, why a rehearsal failed and what to change. A cause found is said
 * instead of its consequences: when the signal went to a shell or npm, the refused connections,
 * the kill and the missing report follow from that, not from a missing delay or handler.
 */
export function explain(f: Facts): Explained {
  const notes: string[] = [];
  const { options, first, container, end, byKind } = f;
  const wrapper = first?.wrapper;
  const lagHint = `keep serving through the lag (with shutdown-hooks: a \`delay\` longer than ${options.lag} ms)`;
  // The service's own report says the signal reached it, whatever ran it.
  const missed = wrapper !== undefined && (f.report === null || f.strays);
  const subject = container ? 'PID 1 in the container' : "the command's first process";
  const signal = container ? 'the stop signal' : options.signal;
  if (missed) {
    const who = `${wrapper.kind === 'shell' ? 'a shell' : wrapper.name} (${container ? `${first!.args}` : `${wrapper.name}, pid ${wrapper.pid}`})`;
    const fix =
      wrapper.kind === 'shell'
        ? container
          ? 'use the exec form, CMD ["node", "server.js"], or end the entrypoint script with exec ("exec node server.js", or exec "$@")'
          : 'make the shell exec the service (a start script of "exec node server.js")'
        : `run node directly (${container ? 'CMD ["node", "server.js"]' : 'node server.js'}), or start it with exec in the script ("start": "exec node server.js"): ${wrapper.name} passes the signal to the shell that runs the script, and the shell does not pass it on`;
    notes.push(
      `${subject} is ${who} that ran the service as its child${container ? '' : ` (pid ${wrapper.children.join(', ')})`}: ${signal} went to ${wrapper.name}, and the service never saw it. To fix it, ${fix}.`,
    );
  } else if (f.strays) {
    notes.push(
      `the command's first process exited (${describeExit(end)}) but others it started were still running: the signal never reached the service.`,
    );
  }
  const ignored = container !== null && f.killed && !missed && f.report === null && !first?.init;
  if (ignored) {
    notes.push(
      `PID 1 (${first?.args ?? 'the service'}) did not stop on the stop signal and was killed at the grace period (exit 137), with no report: as PID 1, Node ignores SIGTERM unless something handles it. To fix it, handle SIGTERM (shutdown-hooks does from the first hook registered), or run the container with an init (docker run --init, or tini as ENTRYPOINT), which ends a service that does not handle it. If it does handle SIGTERM, its shutdown took longer than the grace period.`,
    );
  } else if (f.killed && !missed) {
    notes.push(
      `the service was still running ${options.grace} ms after termination began and was killed: it ignored ${signal}, or its shutdown took longer than the grace period.`,
    );
  }
  // A command dies of the signal itself; a container's PID 1 behind an init exits 128 + n.
  const diedOf = container
    ? end.code === null
      ? undefined
      : signalOf(end.code)
    : end.signal === options.signal
      ? end.signal
      : undefined;
  const unhandled =
    !missed && !f.killed && f.report === null && diedOf !== undefined && diedOf !== 'SIGKILL';
  if (unhandled) {
    notes.push(
      `the service died of ${diedOf} itself: nothing handled the signal, so it stopped serving at once${byKind.refused > 0 ? ` and ${byKind.refused} connections were refused during the lag` : ''}. Handle ${diedOf}, and ${lagHint}.`,
    );
  } else if (!missed && byKind.refused > 0) {
    notes.push(
      f.exitMs < options.lag
        ? `the service exited ${f.exitMs} ms after termination began, while the endpoint still routed to it for ${options.lag} ms: ${byKind.refused} connections were refused. ${capitalize(lagHint)}.`
        : `${byKind.refused} connections were refused during the lag: the service stopped accepting before the endpoint stopped routing to it. ${capitalize(lagHint)}.`,
    );
  }
  if (!missed && !f.killed && !unhandled && end.code !== null && end.code !== 0) {
    notes.push(
      `the service exited with code ${end.code}: its shutdown did not end cleanly${f.report ? ' (its report says what failed)' : ''}.`,
    );
  }
  if (container?.oomKilled)
    notes.push('the container was killed for running out of memory (OOMKilled).');
  // Once the first process is gone, everything it started is killed, as in a container whose PID 1
  // exits: connections cut then follow from the missed signal.
  const broken = byKind.reset + byKind.unanswered;
  if (broken > 0 && !missed) {
    notes.push(
      `${broken} requests were written and never answered (reset or closed): the service closed connections under them.`,
    );
  }
  if (byKind['503'] + byKind['5xx'] > 0) {
    notes.push(
      `${byKind['503'] + byKind['5xx']} requests to the load URL were answered with a 5xx.`,
    );
  }
  if (byKind['4xx'] > 0) {
    notes.push(
      `${byKind['4xx']} requests to the load URL were answered with a 4xx, though it answered 2xx or 3xx before termination.`,
    );
  }
  if (byKind.timeout > 0)
    notes.push(`${byKind.timeout} requests got no answer before the rehearsal ended.`);
  if (f.unsent > 0) {
    notes.push(
      `the load could not keep ${options.rate} requests a second: ${f.unsent} were never sent, as every one of the ${options.connections} connections still waited for an answer (not counted as failures). Raise --connections, or lower --rate, to load the service as intended.`,
    );
  }
  return { notes, diagnosed: missed || ignored };
}

/** The signal an exit code of 128 + n reports, as a shell (or an init) passes it on. */
function signalOf(code: number): string | undefined {
  if (code <= 128) return undefined;
  return Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
}

function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
