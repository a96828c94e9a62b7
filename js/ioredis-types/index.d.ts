// Types of `cinderkv/ioredis`: ioredis's own (`ioredis` is an optional peer dependency
// that supplies them), so a client of this facade type-checks wherever code expects an
// ioredis `Redis`. Copied by scripts/npm/build.mjs next to every runtime entry.
import { Redis as IORedis, Cluster as IOCluster, Command as IOCommand, Pipeline as IOPipeline } from 'ioredis';
import type { ClusterNode, ClusterOptions, RedisOptions as IORedisOptions } from 'ioredis';
import type { Cinder } from '../browser.js';

/** Redis's error replies (`err.message` is Redis's text, `err.command` the command). */
export { ReplyError } from '../browser.js';

/** ioredis's options, plus the engine to run on and ioredis-mock's seed data. */
export interface RedisOptions extends IORedisOptions {
  /** A `Cinder` database to run on instead of the engine shared by `host:port`. */
  engine?: Cinder;
  /** ioredis-mock's seed data: `{ key: value }` (strings, arrays as lists, Sets, objects as hashes, Maps as sorted sets). */
  data?: Record<string, unknown>;
}

/** ioredis's `Redis`, running on the in-process engine. */
export declare class Redis extends IORedis {
  constructor(port: number, host: string, options: RedisOptions);
  constructor(path: string, options: RedisOptions);
  constructor(port: number, options: RedisOptions);
  constructor(port: number, host: string);
  constructor(options: RedisOptions);
  constructor(port: number);
  constructor(path: string);
  constructor();
  /** The `Cinder` database this client runs on (null before it connected). */
  readonly engine: Cinder | null;
  /** Closes the engines shared by `host:port` (tests). */
  static resetEngines(): void;
}

/** ioredis's `Cluster` over one engine (enough for code that builds a cluster client in tests). */
export declare class Cluster extends IOCluster {
  constructor(startupNodes?: ClusterNode[], options?: ClusterOptions & { engine?: Cinder });
}

export declare const Command: typeof IOCommand;
export type Command = IOCommand;
export declare const Pipeline: typeof IOPipeline;
export type Pipeline = IOPipeline;
/** ioredis's message for a command on a closed connection. */
export declare const CONNECTION_CLOSED_ERROR_MSG: 'Connection is closed.';
export default Redis;
