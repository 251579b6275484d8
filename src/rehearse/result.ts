import type { ShutdownReport } from '../core/types.js';
import type { RequestLine } from './load.js';
import type { ContainerFacts } from './service.js';

/** The one JSON object of `--json`. */
export interface RehearsalResult {
  readonly verdict: 'pass' | 'fail';
  /** The platform rehearsed (`--platform`), or null. */
  readonly platform: string | null;
  readonly requests: {
    readonly sent: number;
    readonly ok: number;
    readonly failed: number;
    /** Due at the rate but never sent: the service answered fewer (see `Load`). */
    readonly unsent: number;
    readonly byKind: Record<string, number>;
    /** Every request: ms from the start of termination to when it was sent and when it ended. */
    readonly log: readonly RequestLine[];
  };
  /** How the service ended; `ms` from the start of termination (the preStop, else the signal). */
  readonly exit: { code: number | null; signal: string | null; ms: number; killed: boolean };
  /** Ms from the start of termination to the first non-200 answer of the readiness path. */
  readonly readiness: { flippedMs: number | null };
  readonly report: ShutdownReport | null;
  /** The container's facts with `--image`; null when a command ran. */
  readonly container: ContainerFacts | null;
  /** One sentence per reason the verdict is `fail`, and per warning: those the report prints. */
  readonly notes: readonly string[];
  /** When termination began (epoch ms): the zero of every `ms` here. */
  readonly startedAt: number;
  /** How it was terminated. */
  readonly settings: {
    readonly signal: string;
    readonly lagMs: number;
    readonly graceMs: number;
    readonly preStop: string | null;
  };
  /** When things happened: ms from the start of termination; negative for what came before. */
  readonly timeline: readonly Moment[];
}

/** One moment of the rehearsal: when (ms from the start of termination), what, and its kind. */
export interface Moment {
  readonly ms: number;
  readonly what: string;
  readonly kind:
    | 'started'
    | 'ready'
    | 'preStop'
    | 'signal'
    | 'readiness'
    | 'lag'
    | 'last-ok'
    | 'killed'
    | 'exit';
}

/** A rehearsal's result (the name the readable output and the picture use). */
export type Rehearsal = RehearsalResult;
