// Types of pm2.mjs, for the TypeScript tests.

export interface WorkerReport {
  readonly pid: number;
  readonly reason: string;
  readonly exitCode: number;
  readonly platform: string | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

export declare function until<T>(read: () => T, done: (value: T) => boolean): Promise<T>;

export declare class Pm2 {
  readonly node: string;
  readonly dir: string;
  constructor(node?: string);
  pm2(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export declare function reloadUnderLoad(
  pm2: Pm2,
  name: string,
  env?: Record<string, string>,
  rate?: number,
): Promise<{
  sent: number;
  failed: number;
  /** How each failed request ended: an error code, or an HTTP status. */
  failures: string[];
  /** Requests sent once more after their reused socket was reset before any answer. */
  retried: number;
  reloadMs: number;
  workers: number[];
  reports: WorkerReport[];
  exits: string[];
}>;

export declare function stopThenDelete(
  pm2: Pm2,
  name: string,
  env?: Record<string, string>,
): Promise<{ workers: number[]; twice: number[]; reports: WorkerReport[]; exits: string[] }>;
