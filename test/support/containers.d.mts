// Types of containers.mjs, for the TypeScript tests.

export declare const REQUIRED: boolean;
export declare function findDockerd(): string | undefined;
export declare function skipWithoutEngine(suite: string): boolean;

export declare class Engine {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  static start(): Promise<Engine>;
  docker(args: readonly string[], options?: { input?: Buffer }): Promise<string>;
  build(
    tag: string,
    context: string,
    args: Readonly<Record<string, string>>,
    dockerfile: string,
  ): Promise<void>;
  stop(): Promise<void>;
}

export declare const BASE_IMAGE: string;
export declare function buildBaseImage(engine: Engine): Promise<void>;
export declare function installPackage(dir: string): void;

/** An image and how `docker stop` ends it, as docs/deploy.md's table says. */
export interface ImageCase {
  readonly image: string;
  /** How the image starts the service. */
  readonly pattern: string;
  /** Extra `docker run` flags. */
  readonly run?: readonly string[];
  readonly exitCode: number;
  /** Whether it waited for the SIGKILL at the grace period. */
  readonly killed: boolean;
}

export declare const CASES: readonly ImageCase[];
export declare const REHEARSED: Readonly<Record<string, string>>;
export declare function buildImages(
  engine: Engine,
  rehearsalEnv?: Readonly<Record<string, string>>,
): Promise<void>;
